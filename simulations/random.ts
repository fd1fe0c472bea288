/**
 * Seeded randomness: the same scenario seed gives the same topology, identities and
 * schedule. Streams are derived by name, so adding a draw to one part (say, the churn
 * schedule) does not shift another (the topology).
 */

/** 32-bit FNV-1a of a string: turns a seed plus a stream name into a PRNG state. */
function hash32 (s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

export interface Random {
  /** uniform in [0, 1) */
  next(): number
  /** integer in [0, n) */
  int(n: number): number
  /** uniform in [min, max) */
  between(min: number, max: number): number
  /** exponentially distributed with the given mean (inter-arrival times of a Poisson process) */
  exponential(mean: number): number
  pick<T>(items: readonly T[]): T
  /** a shuffled copy */
  shuffle<T>(items: readonly T[]): T[]
  /** 32 random bytes (private key material) */
  bytes(n: number): Uint8Array
}

/** mulberry32: small, fast and good enough for schedules and graphs (not for keys in production). */
export function createRandom (seed: number | string, stream = ''): Random {
  let state = hash32(`${seed}/${stream}`)
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const random: Random = {
    next,
    int: n => Math.floor(next() * n),
    between: (min, max) => min + next() * (max - min),
    exponential: mean => -Math.log(1 - next()) * mean,
    pick: items => {
      if (items.length === 0) { throw new Error('pick from an empty list') }
      return items[Math.floor(next() * items.length)]
    },
    shuffle: items => {
      const out = [...items]
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1))
        ;[out[i], out[j]] = [out[j], out[i]]
      }
      return out
    },
    bytes: n => {
      const out = new Uint8Array(n)
      for (let i = 0; i < n; i++) { out[i] = Math.floor(next() * 256) }
      return out
    }
  }
  return random
}
