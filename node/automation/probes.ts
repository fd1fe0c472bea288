/** Node's measurements for the health checks: heap use against V8's limit, free disk of the data dir. */
import { statfs } from 'node:fs/promises'
import { getHeapStatistics } from 'node:v8'
import type { HealthProbes } from '../../protocol/automation/index.ts'

export function nodeHealthProbes (dataDir: string): HealthProbes {
  return {
    memory () {
      const heap = getHeapStatistics()
      return { usedBytes: heap.used_heap_size, limitBytes: heap.heap_size_limit }
    },
    async disk () {
      const s = await statfs(dataDir)
      return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize }
    }
  }
}
