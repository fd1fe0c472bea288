/**
 * What the two runners (in-process and over the API) share: their options, the host
 * description in the report, and a bounded pool for work over many nodes or links.
 */
import { cpus, loadavg, totalmem } from 'node:os'
import type { Progress } from './progress.ts'
import type { HostInfo } from './record.ts'

export interface RunOptions {
  onProgress?(p: Progress): void
  /** one-line notes while running (stderr in the CLI) */
  log?(line: string): void
  /** sampling period of the timeline, ms (default 250) */
  sampleMs?: number
}

export const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

export function hostInfo (): HostInfo {
  const c = cpus()
  return {
    cpus: c.length,
    cpuModel: c[0]?.model ?? 'unknown',
    totalMemoryBytes: totalmem(),
    loadBefore: loadavg(),
    loadAfter: [],
    node: process.version,
    platform: `${process.platform} ${process.arch}`
  }
}

/** run `fn` over items with at most `limit` in flight */
export async function pool<T> (items: T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++
      await fn(items[i], i)
    }
  })
  await Promise.all(workers)
}
