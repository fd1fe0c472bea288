import { createPeerScoreParams, PeerScore } from '@libp2p/gossipsub/score'
import { defaultLogger } from '@libp2p/logger'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LIBERATION_SCORE_THRESHOLDS, liberationPeerScoreParams, liberationTopicScoreParams, SCORE_DECAY_INTERVAL_MS } from '../../../protocol/pubsub/gossip.ts'

const TOPIC = '/liberation/billboard/1'
const MINUTE = 60_000

/**
 * The peer score as gossipsub keeps it, with this node's parameters, on a fake clock: the
 * score's decay tick runs on a timer, so advancing the clock by minutes ages the counters.
 */
function scorer (whitelist: string[]): PeerScore {
  const params = createPeerScoreParams({ ...liberationPeerScoreParams(new Set(whitelist)), topics: { [TOPIC]: liberationTopicScoreParams() } })
  const ps = new PeerScore(params, null, defaultLogger(), { scoreCacheValidityMs: 0 })
  ps.start()
  return ps
}

describe('gossipsub peer score: invalid messages are remembered for minutes', () => {
  let ps: PeerScore | undefined
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => {
    ps?.stop()
    vi.useRealTimers()
  })

  it('keeps a peer that sent invalid messages graylisted for minutes; honest peers on the same host stay at 0 or above', () => {
    ps = scorer(['127.0.0.1'])
    const honest = Array.from({ length: 15 }, (_, i) => `honest-${i}`)
    for (const p of [...honest, 'evil', 'one-off']) {
      ps.addPeer(p)
      ps.addIP(p, '127.0.0.1')
      ps.graft(p, TOPIC)
    }
    for (let i = 0; i < 3; i++) { ps.rejectInvalidMessage('evil', TOPIC) }
    ps.rejectInvalidMessage('one-off', TOPIC)
    const graylisted = (p: string): boolean => (ps as PeerScore).score(p) < LIBERATION_SCORE_THRESHOLDS.graylistThreshold

    expect(graylisted('evil')).toBe(true)
    vi.advanceTimersByTime(MINUTE)
    expect(graylisted('evil')).toBe(true)
    vi.advanceTimersByTime(4 * MINUTE)
    // 5 minutes on: still graylisted
    expect(graylisted('evil')).toBe(true)
    // a single invalid message costs less: out of the graylist within a minute or two
    expect(graylisted('one-off')).toBe(false)
    for (const p of honest) { expect((ps as PeerScore).score(p)).toBeGreaterThanOrEqual(0) }
    // and forgiven in the end (the counter decays to zero)
    vi.advanceTimersByTime(30 * MINUTE)
    expect(graylisted('evil')).toBe(false)
    expect((ps as PeerScore).score('evil')).toBeGreaterThanOrEqual(0)
    expect(SCORE_DECAY_INTERVAL_MS).toBe(1000)
  })

  it('penalises many peers on one host unless the host is whitelisted (tests and simulations only)', () => {
    ps = scorer([])
    const peers = Array.from({ length: 15 }, (_, i) => `colocated-${i}`)
    for (const p of peers) {
      ps.addPeer(p)
      ps.addIP(p, '10.0.0.7')
    }
    vi.advanceTimersByTime(SCORE_DECAY_INTERVAL_MS)
    // 15 peers over the threshold of 10: -5 × 5² each
    expect(ps.score(peers[0])).toBeLessThan(LIBERATION_SCORE_THRESHOLDS.gossipThreshold)
  })
})
