/**
 * The scenario's workload, whatever runs the nodes: the posts, ledger writes and network
 * actions of the schedule, each at its time on the run clock, through each node's driver
 * (drivers/driver.ts). The in-process runner and the API runner both run it; what differs
 * between them (how a node starts, stops, is cut off or measured) comes in as `act`.
 */
import type { NodeDriver } from './drivers/driver.ts'
import type { Progress } from './progress.ts'
import type { PostRecord, WriteRecord } from './record.ts'
import type { NetworkAction, Schedule } from './schedule.ts'

/** truth messages the simulator posts start with this, then the sequence number */
export const CONTENT_PREFIX = 'sim '

/** the sequence number of a simulator post, or undefined for any other content */
export function postSeq (content: string): number | undefined {
  if (!content.startsWith(CONTENT_PREFIX)) { return undefined }
  return Number(content.slice(CONTENT_PREFIX.length, content.indexOf(' ', CONTENT_PREFIX.length)))
}

export interface WorkloadInit {
  schedule: Schedule
  /** the driver of node i while it is up */
  driver(i: number): NodeDriver | undefined
  /** what the run records of each post and write (filled in here) */
  posts: PostRecord[]
  writes: WriteRecord[]
  channel: string
  /** bytes of a truth post, as the scenario asks (undefined: no truth workload) */
  postSize?: number
  /** workload length on the run clock, ms */
  duration: number
  /** the run clock, ms from the workload start */
  now(): number
  sleep(ms: number): Promise<void>
  /** keep a promise for the settle phase to wait for */
  track(p: Promise<unknown>): void
  /** carry out a network action (partition, heal, kill, leave, join) */
  act(a: NetworkAction): Promise<void>
  /** posts called so far, for the progress figures */
  onPosted(delta: 1 | -1): void
  progress(p: Progress): void
  /** (message, node) pairs held, and expected, for the progress line */
  delivered(): { delivered: number, expected: number }
}

export async function runWorkload (init: WorkloadInit): Promise<void> {
  const { schedule, driver, posts, writes, channel, now, sleep, track } = init
  const padding = init.postSize == null ? '' : 'x'.repeat(Math.max(0, init.postSize - 16))

  async function doPost (k: number): Promise<void> {
    const p = schedule.posts[k]
    const rec = posts[k]
    const node = driver(p.node)
    if (node == null) { rec.error = 'poster is down'; return }
    rec.calledAt = now()
    init.onPosted(1)
    try {
      const res = await node.postTruth(`${CONTENT_PREFIX}${p.seq} ${padding}`, channel)
      rec.id = res.id
      rec.doneAt = now()
    } catch (err: any) {
      rec.error = err.message
      init.onPosted(-1)
    }
  }

  async function doWrite (k: number): Promise<void> {
    const w = schedule.writes[k]
    const rec = writes[k]
    const node = driver(w.node)
    if (node == null) { rec.error = 'writer is down'; return }
    try {
      await node.registerHuman(`sim-human-${w.seq}`)
      rec.doneAt = now()
    } catch (err: any) {
      rec.error = err.message
    }
  }

  type Item = { t: number, run(): Promise<void> | void }
  const items: Item[] = [
    ...schedule.posts.map((p, k): Item => ({ t: p.t, run: () => { track(doPost(k)) } })),
    ...schedule.writes.map((w, k): Item => ({ t: w.t, run: () => { track(doWrite(k)) } })),
    ...schedule.actions.map((a): Item => ({ t: a.t, run: async () => { await init.act(a) } }))
  ].sort((a, b) => a.t - b.t)

  const report = (): void => {
    init.progress({ phase: 'workload', done: Math.min(now(), init.duration), total: init.duration, t: now(), ...init.delivered() })
  }
  let next = 0
  while (next < items.length) {
    const wait = items[next].t - now()
    if (wait > 1) { await sleep(Math.min(wait, 100)) }
    while (next < items.length && items[next].t <= now()) {
      await items[next++].run()
    }
    report()
  }
  while (now() < init.duration) {
    await sleep(Math.max(0, Math.min(100, init.duration - now())))
    report()
  }
}
