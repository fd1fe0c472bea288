// Transpiles the TypeScript sources to dist/ (no bundling: one .js per .ts) so the CLI
// and benches run on plain Node, then checks that the isomorphic core bundles for the
// browser: any Node-only import under protocol/ fails this build.
import { readdirSync, statSync, chmodSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'esbuild'

const roots = ['protocol', 'node', 'simulations', 'bench']

function collect (dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) collect(path, out)
    else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) out.push(path)
  }
  return out
}

const entryPoints = roots.flatMap(root => {
  try { return collect(root) } catch { return [] }
})

await build({
  entryPoints,
  outdir: 'dist',
  outbase: '.',
  format: 'esm',
  platform: 'node',
  target: 'node22',
  sourcemap: true,
  logLevel: 'warning'
})
chmodSync('dist/node/cli/index.js', 0o755)

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
