/**
 * Keeps the node connected. libp2p v3 only reports discovered peers; this module decides
 * whom to dial: every discovered peer while below `maxConnections`, and, on a timer,
 * known peers (recently lost ones first) while below `minConnections`, each with its own
 * exponential backoff so an unreachable peer is not hammered.
 */
import type { ComponentLogger, Libp2p, Logger, PeerId, PeerInfo } from '@libp2p/interface'

export interface ConnectionKeeperInit {
  minConnections?: number
  maxConnections?: number
  /** how often to check the connection count */
  intervalMs?: number
  /** first retry delay for a peer that failed to dial; doubles per failure */
  backoffBaseMs?: number
  backoffMaxMs?: number
  /** concurrent dials the keeper starts at most */
  maxParallelDials?: number
}

export interface ConnectionKeeperComponents {
  libp2p: Libp2p
  logger: ComponentLogger
}

export interface ConnectionKeeper {
  start(): void
  stop(): void
  /** dial what is needed now instead of at the next tick */
  refresh(): Promise<void>
  /** the redial state of a peer that failed to dial (undefined once a dial succeeded) */
  dialState(peerId: string): DialState | undefined
}

export interface DialState {
  /** consecutive failed dials */
  failures: number
  lastAttemptAt: number
  /** no dial before this time (exponential backoff) */
  nextAttemptAt: number
}

interface Backoff { failures: number, lastAttempt: number, nextAttempt: number }

export function createConnectionKeeper (components: ConnectionKeeperComponents, init: ConnectionKeeperInit = {}): ConnectionKeeper {
  const { libp2p } = components
  const log: Logger = components.logger.forComponent('liberation:connection-keeper')
  const minConnections = init.minConnections ?? 4
  const maxConnections = init.maxConnections ?? 64
  const intervalMs = init.intervalMs ?? 2000
  const backoffBaseMs = init.backoffBaseMs ?? 1000
  const backoffMaxMs = init.backoffMaxMs ?? 60_000
  const maxParallelDials = init.maxParallelDials ?? 4
  const backoff = new Map<string, Backoff>()
  const dialing = new Set<string>()
  const lostAt = new Map<string, number>()
  let timer: ReturnType<typeof setInterval> | undefined
  let running = false

  const connectedCount = (): number => libp2p.getPeers().length

  async function dial (peer: PeerId): Promise<void> {
    const key = peer.toString()
    if (dialing.has(key) || peer.equals(libp2p.peerId)) { return }
    const b = backoff.get(key)
    if (b != null && b.nextAttempt > Date.now()) { return }
    dialing.add(key)
    try {
      await libp2p.dial(peer, { signal: AbortSignal.timeout(10_000) })
      backoff.delete(key)
    } catch (err: any) {
      const failures = (b?.failures ?? 0) + 1
      const delay = Math.min(backoffMaxMs, backoffBaseMs * 2 ** (failures - 1))
      if (backoff.size >= 4096 && !backoff.has(key)) { backoff.delete(backoff.keys().next().value as string) }
      backoff.set(key, { failures, lastAttempt: Date.now(), nextAttempt: Date.now() + delay })
      log('dial %s failed (%d): %s', key, failures, err?.message)
    } finally {
      dialing.delete(key)
    }
  }

  const onDiscovery = (evt: CustomEvent<PeerInfo>): void => {
    if (!running || connectedCount() + dialing.size >= maxConnections) { return }
    if (libp2p.getConnections(evt.detail.id).length > 0) { return }
    void dial(evt.detail.id)
  }

  const onDisconnect = (evt: CustomEvent<PeerId>): void => {
    // lost peers are the first candidates for a redial; remember the latest 1024
    if (lostAt.size >= 1024) { lostAt.delete(lostAt.keys().next().value as string) }
    lostAt.delete(evt.detail.toString())
    lostAt.set(evt.detail.toString(), Date.now())
    // a lost link is healed at once rather than at the next tick
    if (running && connectedCount() < minConnections) { void refresh() }
  }

  async function refresh (): Promise<void> {
    if (!running) { return }
    const missing = minConnections - connectedCount() - dialing.size
    if (missing <= 0) { return }
    const connected = new Set(libp2p.getPeers().map(p => p.toString()))
    const candidates = (await libp2p.peerStore.all())
      .filter(p => !connected.has(p.id.toString()) && !p.id.equals(libp2p.peerId) && p.addresses.length > 0)
      .sort((a, b) => (lostAt.get(b.id.toString()) ?? 0) - (lostAt.get(a.id.toString()) ?? 0))
    const slots = Math.min(missing, maxParallelDials)
    const picks = candidates.filter(p => {
      const b = backoff.get(p.id.toString())
      return b == null || b.nextAttempt <= Date.now()
    }).slice(0, slots)
    await Promise.all(picks.map(async p => { await dial(p.id) }))
  }

  return {
    start () {
      if (running) { return }
      running = true
      libp2p.addEventListener('peer:discovery', onDiscovery)
      libp2p.addEventListener('peer:disconnect', onDisconnect)
      timer = setInterval(() => { void refresh().catch(err => { log.error('refresh failed', err) }) }, intervalMs)
    },
    stop () {
      running = false
      libp2p.removeEventListener('peer:discovery', onDiscovery)
      libp2p.removeEventListener('peer:disconnect', onDisconnect)
      if (timer != null) { clearInterval(timer) }
      timer = undefined
    },
    refresh,
    dialState (peerId) {
      const b = backoff.get(peerId)
      return b == null ? undefined : { failures: b.failures, lastAttemptAt: b.lastAttempt, nextAttemptAt: b.nextAttempt }
    }
  }
}
