/**
 * How the CLI fails, through a subprocess: one line, one `liberation:` prefix, and the
 * documented exit code for each kind of failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startApiNode, stopAll } from '../api/utils.ts'
import { runCli } from '../utils/process.ts'
import type { ApiNode } from '../api/utils.ts'

function oneLine (stderr: string): string {
  const lines = stderr.trimEnd().split('\n')
  expect(lines, stderr).toHaveLength(1)
  expect(lines[0]).toMatch(/^liberation: /)
  expect(lines[0]).not.toMatch(/liberation: (error|liberation):/)
  return lines[0]
}

describe('CLI errors', () => {
  let a: ApiNode
  beforeAll(async () => { a = await startApiNode() })
  afterAll(async () => { await stopAll() })

  it('a bad flag value names the flag and what it takes (exit 2)', async () => {
    const r = await runCli(['start', '--api-port', 'abc'])
    expect(r.code).toBe(2)
    const line = oneLine(r.stderr)
    expect(line).toMatch(/^liberation: --api-port must be a port number from 0 to 65535, not "abc"/)
    expect(line).not.toMatch(/NaN|expected number/)

    const unknown = await runCli(['status', '--frobnicate'])
    expect(unknown.code).toBe(2)
    expect(oneLine(unknown.stderr)).toMatch(/^liberation: unknown option '--frobnicate'/)

    const config = await runCli(['start', '--listen', 'nonsense', '--data-dir', a.dataDir])
    expect(config.code).toBe(2)
    expect(oneLine(config.stderr)).toMatch(/invalid config: listen/)
  })

  it('errors from the node are its message, without the HTTP plumbing, with an exit code per kind', async () => {
    expect((await runCli(['humans', 'add', 'carol', '--api', a.url])).code).toBe(0)
    const again = await runCli(['humans', 'add', 'carol', '--api', a.url])
    expect(again.code).toBe(5)
    const line = oneLine(again.stderr)
    expect(line).toMatch(/carol/)
    expect(line).not.toMatch(/HTTP|POST|\/api\/v1/)

    const missing = await runCli(['humans', 'show', 'nobody', '--api', a.url])
    expect(missing.code).toBe(4)
    expect(oneLine(missing.stderr)).toMatch(/nobody not found/)

    const unreachable = await runCli(['status', '--api', 'http://127.0.0.1:9'])
    expect(unreachable.code).toBe(3)
    expect(oneLine(unreachable.stderr)).toMatch(/cannot reach the node API at http:\/\/127\.0\.0\.1:9/)
  })

  it('--help lists the exit codes', async () => {
    const r = await runCli(['--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Exit codes:[\s\S]*2 +bad usage[\s\S]*5 +refused/)
  })
})
