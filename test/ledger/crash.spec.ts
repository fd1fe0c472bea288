/**
 * Crash safety: a node process killed with SIGKILL in the middle of a burst of writes
 * restarts with every acknowledged entry present and a consistent state.
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { TestMesh } from '../utils/mesh.ts'

const FIXTURE = fileURLToPath(new URL('./fixtures/crash-writer.mjs', import.meta.url))

let mesh: TestMesh
afterEach(async () => { await mesh?.cleanup() })

interface Acks { registered: Set<string>, paid: Set<string> }

/** Run the writer until it has acknowledged `atLeast` registrations, then SIGKILL it. */
async function burstAndKill (dataDir: string, prefix: string, atLeast: number, acks: Acks): Promise<void> {
  const child = spawn(process.execPath, [FIXTURE, dataDir, prefix], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', d => { stderr += String(d) })
  const exited = new Promise<NodeJS.Signals | null>(resolve => child.on('exit', (_code, signal) => { resolve(signal) }))
  let mine = 0
  const lines = createInterface({ input: child.stdout })
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  for await (const line of lines) {
    const [kind, id] = line.split(' ')
    if (kind === 'ack') {
      acks.registered.add(id)
      if (++mine === atLeast) { child.kill('SIGKILL') }
    } else if (kind === 'paid') {
      acks.paid.add(id)
    }
  }
  clearTimeout(timer)
  expect(await exited, stderr).toBe('SIGKILL')
  expect(mine, stderr).toBeGreaterThanOrEqual(atLeast)
}

describe('ledger crash safety', () => {
  it('keeps every acknowledged entry across SIGKILLs mid-burst, and the state stays consistent', async () => {
    mesh = new TestMesh()
    const dataDir = await mesh.tempDir()
    const acks: Acks = { registered: new Set(), paid: new Set() }
    await burstAndKill(dataDir, 'k1', 2500, acks)
    await burstAndKill(dataDir, 'k2', 1500, acks)
    expect(acks.paid.size).toBeGreaterThan(0)

    const { node } = await mesh.add({ dataDir, init: { ledger: { compactIntervalMs: 0, sync: { intervalMs: 0 } } } })
    const integrity = await node.ledger.verifyIntegrity()
    expect(integrity.ok).toBe(true)
    for (const id of acks.registered) { expect(await node.ledger.getHuman(id), id).toBeDefined() }
    for (const id of acks.paid) { expect((await node.ledger.getHuman(id))?.payments, id).toBe(1) }
    const stats = await node.ledger.stats()
    expect(stats.totalHumans).toBeGreaterThanOrEqual(acks.registered.size)
    // what was stored adds up: every paid human got exactly its weekly flow
    expect(stats.paymentsThisWeek).toBeGreaterThanOrEqual(acks.paid.size)
    expect(stats.totalDistributed).toBe(`${stats.paymentsThisWeek * 800}.00`)
    // the node writes on from where its log ends, and a rebuild still agrees
    await node.ledger.registerHuman({ id: 'after-crash' })
    const paid = await node.ledger.distributeWeekly()
    expect(paid.paid).toBe(stats.totalHumans + 1 - stats.paymentsThisWeek)
    expect((await node.ledger.verifyIntegrity()).ok).toBe(true)
  })
})
