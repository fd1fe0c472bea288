/**
 * The attach launcher: nodes already running elsewhere (a cluster's StatefulSet, or
 * processes started by hand), reached by their API URLs. Nothing is started or stopped;
 * the runner only drives and watches them.
 */
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { ApiError, createApiDriver } from '../drivers/api.ts'
import { ScenarioError } from '../scenario.ts'
import type { Launcher } from './launcher.ts'
import type { ApiDriver } from '../drivers/api.ts'

/** the nodes file: what `--mode cluster` writes into the driver's ConfigMap (nodes.json) */
export const AttachFileSchema = z.object({
  namespace: z.string().optional(),
  api: z.array(z.string().url()).min(1),
  peerIds: z.array(z.string().min(1)).min(1),
  partitions: z.array(z.unknown()).optional()
}).refine(f => f.api.length === f.peerIds.length, { message: 'api and peerIds must list the same nodes' })

export type AttachFile = z.infer<typeof AttachFileSchema>

export async function readAttachFile (path: string): Promise<AttachFile> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(path, 'utf8'))
  } catch (err: any) {
    throw new ScenarioError(`--attach ${path}: ${err.message}`)
  }
  const parsed = AttachFileSchema.safeParse(raw)
  if (!parsed.success) { throw new ScenarioError(`--attach ${path}: ${parsed.error.issues.map(i => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}`) }
  return parsed.data
}

export interface AttachInit {
  nodes: AttachFile
  token?: string
  /** how long to wait for each node's API to answer, ms (default 5 min: pods start in order) */
  readyTimeoutMs?: number
}

export function createAttachLauncher (init: AttachInit): Launcher {
  const { api, peerIds } = init.nodes
  return {
    stack: `attached: ${api.length} running nodes (TCP, noise, yamux, gossipsub, LevelDB), driven over the HTTP API`,
    notes: ['attached nodes: CPU and memory are not sampled by the driver (read them from the cluster)'],
    peerIds,
    canStopNodes: false,
    async start (i): Promise<ApiDriver> {
      const driver = createApiDriver({ base: api[i], token: init.token, timeoutMs: 5_000 })
      const deadline = Date.now() + (init.readyTimeoutMs ?? 300_000)
      while (true) {
        try {
          const status = await driver.get('/api/v1/health')
          const id = status?.peer_id ?? status?.peerId
          if (typeof id === 'string' && id !== peerIds[i]) { throw new ScenarioError(`node ${i} at ${api[i]} is ${id}, not ${peerIds[i]} as the nodes file says`) }
          return driver
        } catch (err) {
          // a node that answers is up: only an unreachable one (still starting) is waited for
          if (err instanceof ScenarioError || err instanceof ApiError || Date.now() > deadline) { throw err }
          await new Promise(resolve => setTimeout(resolve, 1000))
        }
      }
    },
    async stop () { throw new ScenarioError('attached nodes cannot be stopped by the driver') },
    usage: () => undefined,
    async close () {}
  }
}
