// The node's V8 flags (node/runtime-flags.ts) are on every way a node is started, and the
// young-generation cap does what the flag says on the Node this project runs on.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { NODE_RUNTIME_FLAGS } from '../../node/runtime-flags.ts'

/** a child's young generation (MiB) after an allocation burst that keeps 100k objects alive */
function newSpaceAfterBurst (flags: readonly string[]): number {
  const script = `
    const keep = []
    for (let i = 0; i < 2e6; i++) { keep.push({ a: i, b: [i] }); if (keep.length > 200000) keep.splice(0, 100000) }
    const s = require('node:v8').getHeapSpaceStatistics().find(s => s.space_name === 'new_space')
    process.stdout.write(String(s.space_size / 2 ** 20))`
  return Number(execFileSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } }))
}

describe('node runtime flags', () => {
  it('are given by npm start, the Dockerfile and the liberation command', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'))
    const docker = readFileSync('Dockerfile', 'utf8')
    const entrypoint = docker.split('\n').find(l => l.startsWith('ENTRYPOINT')) ?? ''
    const shebang = readFileSync('dist/cli/liberation.mjs', 'utf8').split('\n')[0]
    expect(NODE_RUNTIME_FLAGS.length).toBeGreaterThan(0)
    expect(pkg.scripts.start).toBe(`node ${NODE_RUNTIME_FLAGS.join(' ')} dist/cli/liberation.mjs start`)
    expect(JSON.parse(entrypoint.slice('ENTRYPOINT'.length))).toEqual(['node', ...NODE_RUNTIME_FLAGS, 'dist/cli/liberation.mjs'])
    expect(shebang).toBe(`#!/usr/bin/env -S node ${NODE_RUNTIME_FLAGS.join(' ')}`)
  })

  it('cap the young generation that an allocation burst grows', () => {
    const capped = newSpaceAfterBurst(NODE_RUNTIME_FLAGS)
    const uncapped = newSpaceAfterBurst([])
    // 2 x 16 MiB with the cap; V8 on its own grew it to 2 x 32 MiB on this Node
    expect(capped).toBeLessThanOrEqual(32)
    expect(uncapped).toBeGreaterThan(capped)
  })
})
