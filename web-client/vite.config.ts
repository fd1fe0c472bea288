/**
 * Vite build of the browser node and dashboard into `dist/web/` (served by
 * `liberation start --web`). Run by scripts/build.mjs; `npx vite web-client` serves it
 * for development.
 *
 * Two entries: the page (index.html → assets/index-<hash>.js) and the service worker,
 * which must sit at `/sw.js` (its scope is its directory) under a fixed name. The build
 * writes the list of files to precache, and a version derived from them, into sw.js.
 */
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import type { Plugin } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))

const SHELL_FILES = ['/index.html', '/manifest.webmanifest', '/icon.svg']

function precacheManifest (): Plugin {
  return {
    name: 'liberation-precache',
    apply: 'build',
    generateBundle (_options, bundle) {
      const sw = bundle['sw.js']
      if (sw == null || sw.type !== 'chunk') throw new Error('sw.js missing from the bundle')
      // the page and the public/ files are written after this hook: name them here
      const files = [...new Set([...SHELL_FILES, ...Object.keys(bundle)
        .filter(f => f !== 'sw.js' && !f.endsWith('.map'))
        .map(f => '/' + f)])].sort()
      const version = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 12)
      // bare tokens inside string literals (whatever quotes the minifier chose): paths hold no '|' or quotes
      if (files.some(f => /[|'"`$\\]/.test(f))) throw new Error('a file name cannot be put in the precache list')
      const code = sw.code.replaceAll('__LIBERATION_PRECACHE__', files.join('|')).replaceAll('__LIBERATION_VERSION__', version)
      if (code === sw.code) throw new Error('sw.js placeholders not found')
      sw.code = code
    }
  }
}

export default defineConfig({
  root,
  base: '/',
  publicDir: 'public',
  logLevel: 'warn',
  plugins: [precacheManifest()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: false,
    // one bundle is a whole libp2p node: ~800 KB, ~220 KB gzipped
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL('index.html', import.meta.url)),
        sw: fileURLToPath(new URL('src/sw.ts', import.meta.url))
      },
      output: {
        entryFileNames: chunk => chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'
      }
    }
  }
})
