// Transpiles the TypeScript sources to dist/ (no bundling: one .js per .ts) so the CLI
// and benches run on plain Node, then checks that the isomorphic core bundles for the
// browser: any Node-only import under protocol/ fails this build.
import { chmodSync, existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'

const require = createRequire(import.meta.url)
// test/utils: the polling and mesh helpers the benches share with the tests
const roots = ['protocol', 'node', 'simulations', 'bench', 'test/utils']

function collect (dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) { collect(path, out) } else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) { out.push(path) }
  }
  return out
}

const entryPoints = roots.flatMap(root => {
  try { return collect(root) } catch { return [] }
})

// One output file per source file. Sources import each other as `./x.ts` (the js-libp2p
// style); the output must import `./x.js`, which esbuild's plain transform does not rewrite,
// so each file is "bundled" with every import left external and relative ones renamed.
await build({
  entryPoints,
  outdir: 'dist',
  outbase: '.',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: true,
  logLevel: 'warning',
  plugins: [{
    name: 'one-file-per-source',
    setup (b) {
      b.onResolve({ filter: /.*/ }, args => {
        if (args.kind === 'entry-point') { return undefined }
        if (args.path.startsWith('.')) { return { path: args.path.replace(/\.ts$/, '.js'), external: true } }
        return { path: args.path, external: true }
      })
    }
  }]
})
chmodSync('dist/node/cli/index.js', 0o755)

// An ESM `import` of node:http or node:https makes Node build the module's ESM facade, which
// reads every export, and reading http.WebSocket and its siblings loads undici (~25 ms at
// startup). In the CLI bundle such imports get the CommonJS exports object instead (the
// same object, as the facade's default export); its lazy getters then stay untouched.
const builtinsWithoutEsmFacade = {
  name: 'builtins-without-esm-facade',
  setup (b) {
    b.onResolve({ filter: /^(node:)?https?$/ }, args =>
      args.kind === 'import-statement' ? { path: args.path.replace(/^node:/, ''), namespace: 'builtin-cjs' } : undefined)
    b.onLoad({ filter: /.*/, namespace: 'builtin-cjs' }, args => {
      const exports = require(`node:${args.path}`)
      // plain values only: a getter is what loads lazily, and a missing name fails the build
      const names = Object.entries(Object.getOwnPropertyDescriptors(exports))
        .filter(([name, d]) => 'value' in d && /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default')
        .map(([name]) => name)
      return {
        contents: `const m = process.getBuiltinModule('node:${args.path}')\nexport default m\nexport const { ${names.join(', ')} } = m\n`,
        loader: 'js'
      }
    })
  }
}

// The CLI ships as one bundle (code-split so optional parts such as WebRTC load only when
// used): loading ~1,500 small ESM files costs more than half of startup time otherwise.
// built aside and swapped in, so a CLI process started meanwhile never finds it missing
const cliTmp = `dist/cli.tmp-${process.pid}`
rmSync(cliTmp, { recursive: true, force: true })
await build({
  entryPoints: { main: 'node/cli/index.ts' },
  outdir: cliTmp,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: 'linked',
  logLevel: 'warning',
  outExtension: { '.js': '.mjs' },
  plugins: [builtinsWithoutEsmFacade],
  minify: true,
  keepNames: true,
  // native addons, and packages that load files relative to their own directory
  // (static assets, worker threads), stay in node_modules
  external: [
    'classic-level', 'node-datachannel', '@ipshipyard/node-datachannel', 'bufferutil', 'utf-8-validate',
    'pino', 'thread-stream', '@fastify/swagger', '@fastify/swagger-ui', '@fastify/static'
  ],
  banner: { js: "import { createRequire as __liberationRequire } from 'node:module'; const require = __liberationRequire(import.meta.url);" }
})
// The OpenAPI document, generated from the routes' schemas (dist/node/api/openapi.js, just
// built) and served as a file, so the node does not load @fastify/swagger at startup.
const { generateOpenApiDocument } = await import(pathToFileURL('dist/node/api/openapi.js').href)
writeFileSync(`${cliTmp}/openapi.json`, JSON.stringify(await generateOpenApiDocument()))
// The launcher turns on V8's on-disk compile cache before the bundle is parsed: a warm
// start then skips compiling ~2.5 MB of JavaScript. It also keeps V8's young generation at
// its initial size while the node starts: the garbage of evaluating the bundle would grow it
// to 2 x 8 MB, which an idle node then keeps (+5 MB RSS). `liberation start` gives V8 its
// default growth back once listening, so under load the young generation grows as usual, up
// to the cap the shebang sets.
// The shebang carries the node's V8 flags (node/runtime-flags.ts): `env -S` splits them.
const { NODE_RUNTIME_FLAGS } = await import(pathToFileURL('dist/node/runtime-flags.js').href)
writeFileSync(`${cliTmp}/liberation.mjs`, `#!/usr/bin/env -S node ${NODE_RUNTIME_FLAGS.join(' ')}
import module from 'node:module'
import { setFlagsFromString } from 'node:v8'
setFlagsFromString('--semi-space-growth-factor=1')
module.enableCompileCache?.()
await import('./main.mjs')
`)
chmodSync(`${cliTmp}/liberation.mjs`, 0o755)
if (existsSync('dist/cli')) { renameSync('dist/cli', `dist/cli.old-${process.pid}`) }
renameSync(cliTmp, 'dist/cli')
rmSync(`dist/cli.old-${process.pid}`, { recursive: true, force: true })

// The core must not depend on Node: bundle it for the browser and fail on any node: import.
await build({
  entryPoints: ['protocol/index.ts'],
  bundle: true,
  write: false,
  platform: 'browser',
  format: 'esm',
  logLevel: 'error',
  plugins: [{
    name: 'forbid-node-builtins',
    setup (b) {
      b.onResolve({ filter: /^node:|^(fs|path|os|net|crypto|child_process|worker_threads|dgram|tls|http|https|stream)$/ }, args => ({
        errors: [{ text: `protocol/ must stay isomorphic: ${args.importer} imports Node-only "${args.path}"` }]
      }))
    }
  }]
})

// The web client (web-client/): a mesh node in a browser tab with its dashboard, built by
// Vite into dist/web, which `liberation start --web` serves.
const { build: viteBuild } = await import('vite')
await viteBuild({ configFile: 'web-client/vite.config.ts' })
