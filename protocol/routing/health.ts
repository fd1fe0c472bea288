/**
 * Health score and link cost: pure functions, so the formulas are in one place.
 *
 * Health of a peer, a number in [0, 1]:
 *
 * health  = trust × quality
 * quality = 0.35·latency + 0.15·jitter + 0.35·delivery + 0.15·uptime
 * trust   = gossip × validity
 *
 * latency  = 1 / (1 + rtt / 100 ms)             (rtt: moving median; 0.5 while unmeasured)
 * jitter   = 1 / (1 + rttvar / 50 ms)           (1 while unmeasured)
 * delivery = 1 − loss = 1 / ETX                  (loss of probes over a sliding window)
 * uptime   = 1 − exp(−connected / 2 min)
 * gossip   = 1 if the gossipsub score ≥ 0, else 1 / (1 + |score| / 100)
 * validity = 1 / (1 + invalid)                   (invalid messages, halved every 5 min)
 *
 * The parts follow the references the design names. `delivery` is the inverse of the
 * expected transmission count (ETX, De Couto et al.; OLSRv2 link metrics and Babel's
 * cost both derive from it): a probe is a round trip, so its success ratio already is
 * df × dr. `rtt` is the moving median of the probe RTTs (robust to one slow answer);
 * `rttvar` is RFC 6298's mean deviation (jitter).
 * `uptime` is gossipsub's P1 (time in mesh) as a saturating bonus; `gossip` folds in
 * the peer's whole gossipsub score (P1–P7, of which P4 invalid deliveries and P7
 * behaviour penalties go negative); `validity` is our own P4 for messages that bypass
 * gossipsub (beacons, routed messages, anything a service reports), with a decaying
 * counter like P4's. Trust multiplies, so a misbehaving peer is unhealthy whatever its
 * link; the quality terms add, so one bad figure lowers but does not zero the score.
 *
 * Link cost, the additive routing metric (ms-equivalent, smaller is better):
 *
 * cost = ETX × (rtt / 2 + 5 ms) × (2 − health),   ETX = 1 / max(0.05, 1 − loss)
 *
 * i.e. the expected one-way delivery time including retransmissions, plus a 5 ms
 * per-hop forwarding cost so that among equally fast paths the shorter one wins, and
 * up to doubled for an unhealthy peer (health carries stability and behaviour, which
 * latency and loss alone miss). Route cost is the sum over its links (isotonic, so
 * Dijkstra finds the optimum); route reliability is the product of the links' 1 − loss.
 */

export const HEALTH_WEIGHTS = { latency: 0.35, jitter: 0.15, delivery: 0.35, uptime: 0.15 } as const
export const RTT_REFERENCE_MS = 100
export const JITTER_REFERENCE_MS = 50
export const UPTIME_REFERENCE_MS = 120_000
export const GOSSIP_SCORE_REFERENCE = 100
export const INVALID_HALF_LIFE_MS = 5 * 60_000
export const HOP_COST_MS = 5
/** assumed RTT of a link nobody has measured yet */
export const UNKNOWN_RTT_MS = 50
export const MIN_DELIVERY = 0.05

export interface HealthInputs {
  /** smoothed RTT, ms; undefined while unmeasured */
  rttMs?: number
  /** RTT mean deviation, ms */
  jitterMs?: number
  /** probe loss ratio over the window, 0..1 */
  loss: number
  /** how long the peer has been connected, ms (0 when not connected) */
  connectedMs: number
  /** this node's gossipsub score of the peer */
  gossipScore: number
  /** decayed count of invalid messages the peer sent */
  invalid: number
}

export interface HealthComponents {
  latency: number
  jitter: number
  delivery: number
  uptime: number
  gossip: number
  validity: number
}

const clamp01 = (x: number): number => Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0

export function healthComponents (inputs: HealthInputs): HealthComponents {
  const { rttMs, jitterMs, loss, connectedMs, gossipScore, invalid } = inputs
  return {
    latency: rttMs == null ? 0.5 : clamp01(1 / (1 + Math.max(0, rttMs) / RTT_REFERENCE_MS)),
    jitter: jitterMs == null ? 1 : clamp01(1 / (1 + Math.max(0, jitterMs) / JITTER_REFERENCE_MS)),
    delivery: clamp01(1 - loss),
    uptime: clamp01(1 - Math.exp(-Math.max(0, connectedMs) / UPTIME_REFERENCE_MS)),
    gossip: gossipScore >= 0 || !Number.isFinite(gossipScore) ? 1 : clamp01(1 / (1 + -gossipScore / GOSSIP_SCORE_REFERENCE)),
    validity: clamp01(1 / (1 + Math.max(0, invalid)))
  }
}

export function healthFromComponents (c: HealthComponents): number {
  const quality = HEALTH_WEIGHTS.latency * c.latency + HEALTH_WEIGHTS.jitter * c.jitter +
    HEALTH_WEIGHTS.delivery * c.delivery + HEALTH_WEIGHTS.uptime * c.uptime
  return clamp01(c.gossip * c.validity * quality)
}

export function healthScore (inputs: HealthInputs): number {
  return healthFromComponents(healthComponents(inputs))
}

/** An invalid-message counter decayed like gossipsub's P4: halved every half-life. */
export function decayInvalid (count: number, elapsedMs: number, halfLifeMs = INVALID_HALF_LIFE_MS): number {
  if (count <= 0) { return 0 }
  const decayed = count * 2 ** (-Math.max(0, elapsedMs) / halfLifeMs)
  return decayed < 0.01 ? 0 : decayed
}

/** a part below this is named as a reason for the score */
export const REASON_BELOW = 0.8

/**
 * Why a score is what it is: each part below `REASON_BELOW`, worst first, in words with
 * the figure behind it. Empty when every part is good.
 */
export function healthReasons (inputs: HealthInputs, c: HealthComponents = healthComponents(inputs), lastInvalid?: string): string[] {
  const out: Array<[number, string]> = []
  const ms = (x: number): string => `${Math.round(x)} ms`
  if (c.latency < REASON_BELOW) {
    out.push([c.latency, inputs.rttMs == null ? 'latency: not measured yet' : `latency: median RTT ${ms(inputs.rttMs)}`])
  }
  if (c.jitter < REASON_BELOW) { out.push([c.jitter, `jitter: RTT varies by ${ms(inputs.jitterMs ?? 0)}`]) }
  if (c.delivery < REASON_BELOW) { out.push([c.delivery, `loss: ${Math.round(inputs.loss * 100)}% of recent probes unanswered`]) }
  if (c.uptime < REASON_BELOW) {
    out.push([c.uptime, inputs.connectedMs <= 0 ? 'uptime: not connected' : `uptime: connected ${Math.round(inputs.connectedMs / 1000)} s`])
  }
  if (c.gossip < REASON_BELOW) { out.push([c.gossip, `gossip score ${Math.round(inputs.gossipScore * 10) / 10}`]) }
  if (c.validity < REASON_BELOW) {
    const n = Math.round(inputs.invalid * 100) / 100
    out.push([c.validity, `invalid messages: ${n} (decaying)${lastInvalid != null ? `, last: ${lastInvalid}` : ''}`])
  }
  return out.sort((a, b) => a[0] - b[0]).map(([, text]) => text)
}

export interface LinkQuality {
  /** smoothed RTT, ms; 0 or undefined = unmeasured */
  rttMs?: number
  jitterMs?: number
  /** 0..1 */
  loss: number
  /** 0..1 */
  health: number
}

/** The routing metric of one link (see the module comment). */
export function linkCost (q: LinkQuality): number {
  const rtt = q.rttMs == null || q.rttMs <= 0 ? UNKNOWN_RTT_MS : q.rttMs
  const etx = 1 / Math.max(MIN_DELIVERY, 1 - clamp01(q.loss))
  return etx * (rtt / 2 + HOP_COST_MS) * (2 - clamp01(q.health))
}

export function linkReliability (q: LinkQuality): number {
  return clamp01(1 - q.loss)
}

/** One-way latency estimate of a link, ms. */
export function linkLatency (q: LinkQuality): number {
  return (q.rttMs == null || q.rttMs <= 0 ? UNKNOWN_RTT_MS : q.rttMs) / 2
}
