/**
 * Whether the configured bootstrap addresses can be reached. libp2p's bootstrap module
 * dials each once and only logs a failure, so a node given a dead address looked healthy
 * and alone. This module dials each address itself (at start, then again with an
 * exponential backoff while it fails), follows the peer's connects and disconnects, and
 * says per address: connecting, connected, or unreachable with the dial's error. Node
 * status reports an unreachable bootstrap address by name.
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { ComponentLogger, Libp2p, Logger, PeerId } from '@libp2p/interface'

export type BootstrapState = 'connecting' | 'connected' | 'unreachable'

export interface BootstrapAddressStatus {
  address: string
  peerId?: string
  state: BootstrapState
  /** why the last dial failed (state unreachable) */
  error?: string
  lastAttemptAt?: number
  /** consecutive failed dials */
  failures: number
}

export interface BootstrapStatusInit {
  /** bootstrap multiaddrs, each ending in /p2p/<peer id> (the config checks this) */
  list?: string[]
  /** how long one dial may take (default 10 000) */
  dialTimeoutMs?: number
  /** first retry after a failure; doubles per failure (default 5000) */
  retryBaseMs?: number
  /** longest wait between retries (default 120 000) */
  retryMaxMs?: number
}

export interface BootstrapStatusComponents {
  libp2p: Libp2p
  logger: ComponentLogger
}

export interface BootstrapStatus {
  start(): void
  stop(): void
  /** one entry per configured address, in config order */
  addresses(): BootstrapAddressStatus[]
  /** the addresses that failed to dial and are not connected now */
  unreachable(): BootstrapAddressStatus[]
}

interface Entry extends BootstrapAddressStatus {
  timer?: ReturnType<typeof setTimeout>
}

/** the reason inside libp2p's dial errors (an AggregateError holds one per address) */
function dialError (err: any): string {
  const inner = Array.isArray(err?.errors) && err.errors.length > 0 ? err.errors[0] : undefined
  const message = String(inner?.message ?? err?.message ?? err)
  return message.length > 300 ? `${message.slice(0, 300)}…` : message
}

export function createBootstrapStatus (components: BootstrapStatusComponents, init: BootstrapStatusInit = {}): BootstrapStatus {
  const { libp2p } = components
  const log: Logger = components.logger.forComponent('liberation:bootstrap-status')
  const dialTimeoutMs = init.dialTimeoutMs ?? 10_000
  const retryBaseMs = init.retryBaseMs ?? 5000
  const retryMaxMs = init.retryMaxMs ?? 120_000
  const entries: Entry[] = (init.list ?? []).map(address => {
    let peerId: string | undefined
    try {
      peerId = multiaddr(address).getComponents().findLast(c => c.name === 'p2p')?.value
    } catch {
      peerId = undefined
    }
    return { address, peerId, state: 'connecting', failures: 0 }
  })
  let running = false
  let controller = new AbortController()

  const isConnected = (e: Entry): boolean => e.peerId != null && libp2p.getPeers().some(p => p.toString() === e.peerId)

  const schedule = (e: Entry): void => {
    if (!running) { return }
    const delay = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.max(0, e.failures - 1))
    e.timer = setTimeout(() => { void attempt(e) }, delay)
  }

  async function attempt (e: Entry): Promise<void> {
    e.timer = undefined
    if (!running) { return }
    if (isConnected(e)) {
      e.state = 'connected'
      return
    }
    e.lastAttemptAt = Date.now()
    try {
      await libp2p.dial(multiaddr(e.address), { signal: AbortSignal.any([AbortSignal.timeout(dialTimeoutMs), controller.signal]) })
      e.state = 'connected'
      e.failures = 0
      e.error = undefined
    } catch (err: any) {
      if (!running) { return }
      e.failures++
      e.error = dialError(err)
      // the peer may have come in on another address meanwhile
      e.state = isConnected(e) ? 'connected' : 'unreachable'
      log('bootstrap %s unreachable (%d): %s', e.address, e.failures, e.error)
      if (e.state === 'unreachable') { schedule(e) }
    }
  }

  const onConnect = (evt: CustomEvent<PeerId>): void => {
    const id = evt.detail.toString()
    for (const e of entries) {
      if (e.peerId !== id) { continue }
      e.state = 'connected'
      e.failures = 0
      e.error = undefined
      if (e.timer != null) { clearTimeout(e.timer) }
      e.timer = undefined
    }
  }

  const onDisconnect = (evt: CustomEvent<PeerId>): void => {
    const id = evt.detail.toString()
    for (const e of entries) {
      if (e.peerId !== id || e.state !== 'connected') { continue }
      // lost: dial again after the first backoff step
      e.state = 'connecting'
      if (e.timer == null) { schedule(e) }
    }
  }

  const view = (e: Entry): BootstrapAddressStatus => ({
    address: e.address,
    peerId: e.peerId,
    state: e.state,
    error: e.error,
    lastAttemptAt: e.lastAttemptAt,
    failures: e.failures
  })

  return {
    start () {
      if (running || entries.length === 0) { return }
      running = true
      controller = new AbortController()
      libp2p.addEventListener('peer:connect', onConnect)
      libp2p.addEventListener('peer:disconnect', onDisconnect)
      for (const e of entries) { void attempt(e) }
    },
    stop () {
      if (!running) { return }
      running = false
      controller.abort()
      libp2p.removeEventListener('peer:connect', onConnect)
      libp2p.removeEventListener('peer:disconnect', onDisconnect)
      for (const e of entries) {
        if (e.timer != null) { clearTimeout(e.timer) }
        e.timer = undefined
      }
    },
    addresses: () => entries.map(view),
    unreachable: () => entries.filter(e => e.state === 'unreachable').map(view)
  }
}
