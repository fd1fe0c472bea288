/**
 * Keeps tab-to-tab links direct. A WebRTC dial is signalled over a relayed (limited)
 * connection through a Node node; when the WebRTC handshake fails (both tabs dialled each
 * other at once, a busy tab timed out), that relayed connection stays and libp2p counts
 * the peer as connected, so nothing would ever try again. Gossip does not run over
 * limited connections, so the tabs would stay apart.
 *
 * This watches for peers held only through a relay and dials their
 * `/p2p-circuit/webrtc` address: the tab with the smaller peer id first, the other one
 * later (so they do not collide again), with backoff after failures.
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p, Logger } from '@libp2p/interface'

export interface DirectUpgraderInit {
  /** check this often, ms (default 1 s) */
  intervalMs?: number
  /** wait before dialling, ms, for the tab with the smaller / larger peer id (default 1 s / 6 s) */
  firstDelayMs?: number
  secondDelayMs?: number
  /** first backoff after a failed upgrade, doubles per failure (default 5 s, at most 60 s) */
  backoffMs?: number
}

export interface DirectUpgrader {
  start(): void
  stop(): void
}

/** `/…/p2p/<relay>/p2p-circuit/p2p/<peer>` → `/…/p2p/<relay>/p2p-circuit/webrtc/p2p/<peer>` */
export function webrtcAddressVia (relayedAddr: string, peer: string): string | undefined {
  const suffix = `/p2p-circuit/p2p/${peer}`
  if (!relayedAddr.endsWith(suffix)) { return undefined }
  return `${relayedAddr.slice(0, -suffix.length)}/p2p-circuit/webrtc/p2p/${peer}`
}

export function createDirectUpgrader (components: { libp2p: Libp2p }, init: DirectUpgraderInit = {}): DirectUpgrader {
  const { libp2p } = components
  const log: Logger = libp2p.logger.forComponent('liberation:web:direct-upgrade')
  const self = libp2p.peerId.toString()
  const intervalMs = init.intervalMs ?? 1000
  const firstDelayMs = init.firstDelayMs ?? 1000
  const secondDelayMs = init.secondDelayMs ?? 6000
  const backoffMs = init.backoffMs ?? 5000
  /** peer → since when it is held only through a relay */
  const relayedSince = new Map<string, number>()
  const failures = new Map<string, { count: number, retryAt: number }>()
  const dialing = new Set<string>()
  let timer: ReturnType<typeof setInterval> | undefined

  async function upgrade (peer: string, addr: string): Promise<void> {
    dialing.add(peer)
    try {
      await libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(20_000) })
      failures.delete(peer)
      relayedSince.delete(peer)
    } catch (err: any) {
      const count = (failures.get(peer)?.count ?? 0) + 1
      failures.set(peer, { count, retryAt: Date.now() + Math.min(60_000, backoffMs * 2 ** (count - 1)) })
      log('upgrade to %s failed (%d): %s', peer, count, err?.message)
    } finally {
      dialing.delete(peer)
    }
  }

  function check (): void {
    const now = Date.now()
    const seen = new Set<string>()
    for (const peerId of libp2p.getPeers()) {
      const peer = peerId.toString()
      const conns = libp2p.getConnections(peerId).filter(c => c.status === 'open')
      if (conns.length === 0 || conns.some(c => c.limits == null)) { continue }
      const addr = conns.map(c => webrtcAddressVia(c.remoteAddr.toString(), peer)).find(a => a != null)
      if (addr == null) { continue }
      seen.add(peer)
      const since = relayedSince.get(peer) ?? now
      relayedSince.set(peer, since)
      const wait = self < peer ? firstDelayMs : secondDelayMs
      const failed = failures.get(peer)
      if (dialing.has(peer) || now - since < wait || (failed != null && failed.retryAt > now)) { continue }
      void upgrade(peer, addr)
    }
    for (const peer of relayedSince.keys()) { if (!seen.has(peer)) { relayedSince.delete(peer) } }
  }

  return {
    start () {
      timer ??= setInterval(check, intervalMs)
    },
    stop () {
      if (timer != null) { clearInterval(timer) }
      timer = undefined
      relayedSince.clear()
    }
  }
}
