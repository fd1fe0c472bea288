/**
 * Vite build of the browser node and dashboard: `dist/web/` (served by
 * `liberation start --web`). Run by scripts/build.mjs; `npx vite web-client` serves it
 * for development.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))

export default defineConfig({
  root,
  base: '/',
  publicDir: 'public',
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: false,
    // one bundle is a whole libp2p node: ~800 KB, ~220 KB gzipped
    chunkSizeWarningLimit: 1200
  }
})
