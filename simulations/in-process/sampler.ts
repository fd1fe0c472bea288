/**
 * The in-process run's timeline: every `sampleMs` of the run clock, the live nodes, links,
 * pairs held, ledger agreement, this process's event-loop delay, memory and CPU.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { SimNodes } from './nodes.ts'
import type { LedgerDriver } from '../ledger-driver.ts'
import type { SimNetwork } from '../network/sim-network.ts'
import type { Sample } from '../record.ts'

export interface SamplerInit {
  nodes: SimNodes
  network: SimNetwork
  ledger?: LedgerDriver
  /** where the samples go */
  samples: Sample[]
  /** truth messages posted so far */
  posted(): number
  now(): number
  sampleMs: number
}

export interface Sampler {
  /** take a sample now, beside the periodic ones */
  sample(): Sample
  start(): void
  stop(): void
  /** CPU ms spent computing ledger agreement for the samples */
  readonly ledgerDigestMs: number
}

export function createSampler (init: SamplerInit): Sampler {
  const { nodes, network, ledger, samples, now } = init
  const loop = monitorEventLoopDelay({ resolution: 10 })
  let lastCpu = process.cpuUsage()
  let ledgerDigestMs = 0
  let timer: ReturnType<typeof setInterval> | undefined

  function sample (): Sample {
    const cpu = process.cpuUsage()
    const cpuMs = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000
    lastCpu = cpu
    const posted = init.posted()
    let liveNodes = 0
    let complete = 0
    for (const l of nodes.live) {
      if (l.mesh == null) { continue }
      liveNodes++
      if (l.heldCount >= posted) { complete++ }
    }
    let ledgerAgree = Number.NaN
    let ledgerStates = 0
    if (ledger != null) {
      const t = performance.now()
      const agree = ledger.agreement(nodes.live.filter(l => l.mesh != null).map(l => l.index))
      ledgerDigestMs += performance.now() - t
      ledgerAgree = agree.largest
      ledgerStates = agree.states
    }
    const mem = process.memoryUsage()
    const s: Sample = {
      t: now(),
      liveNodes,
      links: network.linkCount(),
      heldPairs: nodes.heldPairs,
      posted,
      truthComplete: complete,
      ledgerAgree,
      ledgerStates,
      eventLoopP50Ms: loop.percentile(50) / 1e6,
      eventLoopP99Ms: loop.percentile(99) / 1e6,
      eventLoopMaxMs: loop.max / 1e6,
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      cpuMs
    }
    loop.reset()
    samples.push(s)
    return s
  }

  return {
    sample,
    start () {
      loop.enable()
      timer = setInterval(() => { sample() }, init.sampleMs)
    },
    stop () {
      clearInterval(timer)
      sample()
      loop.disable()
    },
    get ledgerDigestMs () { return ledgerDigestMs }
  }
}
