/* eslint-disable no-console */
// Runs the benchmarks: `npm run bench` runs all, `npm run bench -- truth ledger` a few.
// Each bench is bench/<name>.ts (built to dist/bench/<name>.js) and prints its own report;
// it also writes bench/results/<name>.json for the record. Benches run with the node's own V8
// flags (node/runtime-flags.ts), so they measure the node as `npm start` runs it.
import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { basename } from 'node:path'
import { NODE_RUNTIME_FLAGS } from '../dist/node/runtime-flags.js'

const available = readdirSync('dist/bench')
  .filter(f => f.endsWith('.js') && !f.startsWith('_'))
  .map(f => basename(f, '.js'))
  .sort()
const wanted = process.argv.slice(2)
const unknown = wanted.filter(w => !available.includes(w))
if (unknown.length > 0) {
  console.error(`unknown bench: ${unknown.join(', ')} (available: ${available.join(', ')})`)
  process.exit(2)
}
let failed = 0
for (const name of wanted.length > 0 ? wanted : available) {
  console.log(`\n=== bench ${name} ===`)
  const r = spawnSync(process.execPath, ['--expose-gc', ...NODE_RUNTIME_FLAGS, `dist/bench/${name}.js`], { stdio: 'inherit' })
  if (r.status !== 0) { failed++ }
}
process.exit(failed > 0 ? 1 : 0)
