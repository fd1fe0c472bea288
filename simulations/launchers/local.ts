/**
 * The local launcher: every node a real `liberation start` process (the bundled CLI,
 * dist/cli/liberation.mjs) with its own LevelDB, on TCP over 127.0.0.1. A node dials the
 * neighbours it is given through its bootstrap list; automatic dialling is off beyond them.
 * CPU and memory per process come from /proc.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { loadOrCreateIdentity } from '../../node/identity.ts'
import { NODE_RUNTIME_FLAGS } from '../../node/runtime-flags.ts'
import { createApiDriver } from '../drivers/api.ts'
import type { Launcher, NodeUsage } from './launcher.ts'
import type { ApiDriver } from '../drivers/api.ts'
import type { ChildProcess } from 'node:child_process'

const CLK_TCK = 100

/** where the bundled CLI is: dist/cli/liberation.mjs of this checkout */
export function cliPath (): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, '..', 'cli', 'liberation.mjs'), join(here, '..', '..', 'cli', 'liberation.mjs'), join(here, '..', '..', 'dist', 'cli', 'liberation.mjs'), resolve('dist/cli/liberation.mjs')]
  const found = candidates.find(p => existsSync(p))
  if (found == null) { throw new Error('dist/cli/liberation.mjs not found: run `npm run build` first') }
  return found
}

/** utime + stime of a process, ms; undefined once it is gone */
function processCpuMs (pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 1000 / CLK_TCK
  } catch {
    return undefined
  }
}

/** current and peak resident set size of a process, bytes */
function processRss (pid: number): { rss: number, hwm: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) * 1024
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') }
  } catch {
    return undefined
  }
}

interface ProcNode {
  dir: string
  proc?: ChildProcess
  addresses: string[]
  /** CPU of earlier incarnations (restarts), ms */
  cpuBefore: number
  lastCpu: number
  rss: number
  peakRss: number
}

export interface LocalLauncherInit {
  /** nodes the scenario may start (initial plus joiners) */
  totalNodes: number
  /** the most connections node i should allow */
  maxConnections(i: number): number
  dht: boolean
  /** a bearer token the nodes' APIs demand (default: none, open on loopback) */
  apiToken?: string
}

export async function createLocalLauncher (init: LocalLauncherInit): Promise<Launcher> {
  // a private copy of the bundle: a concurrent `npm run build` replaces dist/cli while
  // nodes restart; beside the original so its packages still resolve from node_modules
  const bundle = dirname(cliPath())
  const cliCopy = join(dirname(bundle), `cli-sim-${process.pid}-${Math.floor(Math.random() * 1e9)}`)
  await cp(bundle, cliCopy, { recursive: true })
  const cli = join(cliCopy, 'liberation.mjs')
  const root = await mkdtemp(join(tmpdir(), 'liberation-sim-mp-'))
  const nodes: ProcNode[] = []
  const peerIds: string[] = []
  for (let i = 0; i < init.totalNodes; i++) {
    const dir = join(root, `n${i}`)
    peerIds.push(peerIdFromPrivateKey(await loadOrCreateIdentity(dir)).toString())
    nodes.push({ dir, addresses: [], cpuBefore: 0, lastCpu: 0, rss: 0, peakRss: 0 })
  }

  function sample (n: ProcNode): void {
    const pid = n.proc?.pid
    if (pid == null) { return }
    const cpu = processCpuMs(pid)
    if (cpu != null) { n.lastCpu = cpu }
    const mem = processRss(pid)
    if (mem != null) {
      n.rss = mem.rss
      n.peakRss = Math.max(n.peakRss, mem.hwm)
    }
  }

  async function stop (i: number, how: 'crash' | 'graceful'): Promise<void> {
    const n = nodes[i]
    const proc = n.proc
    if (proc == null) { return }
    sample(n)
    n.cpuBefore += n.lastCpu
    n.lastCpu = 0
    n.rss = 0
    n.proc = undefined
    const exited = new Promise<void>(resolve => { if (proc.exitCode != null || proc.signalCode != null) { resolve() } else { proc.once('exit', () => { resolve() }) } })
    proc.kill(how === 'crash' ? 'SIGKILL' : 'SIGTERM')
    const timer = setTimeout(() => { proc.kill('SIGKILL') }, 10_000)
    await exited
    clearTimeout(timer)
  }

  return {
    stack: 'multi-process: `liberation start` processes (TCP on 127.0.0.1, noise, yamux, gossipsub, LevelDB), driven over the HTTP API',
    notes: ['multi-process: loopback TCP, no injected link latency; ideal latency is therefore 0'],
    peerIds,
    canStopNodes: true,
    async start (i, links): Promise<ApiDriver> {
      const n = nodes[i]
      // a node prints its addresses with its peer id already; older builds without it
      const bootstrap = links.flatMap(j => nodes[j].proc != null ? nodes[j].addresses.slice(0, 1).map(a => a.includes('/p2p/') ? a : `${a}/p2p/${peerIds[j]}`) : [])
      const args = [cli, 'start', '--data-dir', n.dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--no-relay',
        '--api-port', '0', '--min-connections', '0', '--max-connections', String(init.maxConnections(i)), '--log-level', 'warn']
      if (!init.dht) { args.push('--no-dht') }
      if (init.apiToken != null) { args.push('--api-token', init.apiToken) }
      for (const b of bootstrap) { args.push('--bootstrap', b) }
      const proc = spawn(process.execPath, [...NODE_RUNTIME_FLAGS, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } })
      n.proc = proc
      n.addresses = []
      let api: string | undefined
      let stderr = ''
      proc.stderr?.on('data', d => { stderr = (stderr + String(d)).slice(-2000) })
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => { reject(new Error(`node ${i} did not start within 30 s: ${stderr}`)) }, 30_000)
        const lines = createInterface({ input: proc.stdout as NodeJS.ReadableStream })
        lines.on('line', line => {
          if (line.startsWith('address: ')) { n.addresses.push(line.slice('address: '.length)) }
          if (line.startsWith('api: ')) { api = line.slice('api: '.length) }
          if (line.startsWith('listening')) { clearTimeout(timer); resolve() }
        })
        proc.once('exit', code => { clearTimeout(timer); reject(new Error(`node ${i} exited (${code}) while starting: ${stderr}`)) })
      })
      if (api == null) { throw new Error(`node ${i} printed no API address`) }
      return createApiDriver({ base: api, token: init.apiToken })
    },
    stop,
    usage (i): NodeUsage | undefined {
      const n = nodes[i]
      sample(n)
      return { cpuMs: n.cpuBefore + n.lastCpu, rssBytes: n.rss, peakRssBytes: n.peakRss }
    },
    async close () {
      await Promise.allSettled(nodes.map(async (_, i) => { await stop(i, 'graceful') }))
      await rm(root, { recursive: true, force: true })
      await rm(cliCopy, { recursive: true, force: true })
    }
  }
}
