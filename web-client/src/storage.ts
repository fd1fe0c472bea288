/**
 * IndexedDB storage for the browser node (browser-level behind the core's MeshDatabase),
 * one database per profile.
 *
 * Tabs of one origin share IndexedDB. Two tabs running as the same node would fight over
 * one peer id, so each running tab holds a Web Lock on its profile: a new tab takes the
 * first free profile ('default', then 'tab-2', ...), and remembers it in sessionStorage so
 * a reload of the same tab comes back to the same profile, identity and data.
 */
import { BrowserLevel } from 'browser-level'
import type { MeshDatabase } from '../../protocol/storage/index.ts'

export const DB_PREFIX = 'liberation-'
const SESSION_KEY = 'liberation:profile'
const MAX_PROFILES = 16

export interface Profile {
  name: string
  /** releases the profile lock (the tab closing releases it too) */
  release(): void
}

export async function openBrowserDatabase (profile: string): Promise<MeshDatabase> {
  const db = new BrowserLevel<string, Uint8Array>(DB_PREFIX + profile, { keyEncoding: 'utf8', valueEncoding: 'view' })
  try {
    await db.open()
  } catch (err: any) {
    throw new Error(`cannot open the browser database (IndexedDB) for profile ${profile}: ${err.cause?.message ?? err.message}`)
  }
  return db as unknown as MeshDatabase
}

export function isProfileName (name: string): boolean {
  return /^[a-z0-9][a-z0-9-]{0,31}$/.test(name)
}

/**
 * Take a profile for this tab: `wanted` if given (waiting for a previous instance of this
 * tab to let go of it), else the one this tab had before a reload, else the first free one.
 */
export async function claimProfile (wanted?: string): Promise<Profile> {
  const locks = (globalThis.navigator as Navigator | undefined)?.locks
  const remembered = safeSession(() => sessionStorage.getItem(SESSION_KEY))
  const preferred = wanted ?? remembered ?? undefined
  if (locks == null) {
    // no Web Locks (very old browser): no protection against two tabs, use what was asked
    return { name: preferred ?? 'default', release () {} }
  }
  if (preferred != null) {
    // a reload: the old document releases its lock as it unloads, so wait briefly for it
    const held = await holdLock(locks, preferred, 3000)
    if (held != null) { return remember(held) }
    if (wanted != null) { throw new Error(`profile ${wanted} is in use by another tab`) }
  }
  for (let i = 1; i <= MAX_PROFILES; i++) {
    const name = i === 1 ? 'default' : `tab-${i}`
    const held = await holdLock(locks, name, 0)
    if (held != null) { return remember(held) }
  }
  throw new Error(`all ${MAX_PROFILES} profiles are in use by other tabs`)
}

function remember (profile: Profile): Profile {
  safeSession(() => { sessionStorage.setItem(SESSION_KEY, profile.name) })
  return profile
}

/** hold the lock of `name` until released; null when not obtained within `waitMs` */
async function holdLock (locks: LockManager, name: string, waitMs: number): Promise<Profile | null> {
  const lockName = `liberation-profile:${name}`
  let release!: () => void
  const held = new Promise<void>(resolve => { release = resolve })
  return new Promise<Profile | null>((resolve, reject) => {
    const signal = waitMs > 0 ? AbortSignal.timeout(waitMs) : undefined
    const options: LockOptions = waitMs > 0 ? { mode: 'exclusive', signal } : { mode: 'exclusive', ifAvailable: true }
    locks.request(lockName, options, async lock => {
      if (lock == null) {
        resolve(null)
        return
      }
      resolve({ name, release })
      await held
    }).catch(err => {
      if (err?.name === 'AbortError' || err?.name === 'TimeoutError') { resolve(null) } else { reject(err) }
    })
  })
}

function safeSession<T> (fn: () => T): T | undefined {
  try {
    return fn()
  } catch {
    // storage disabled (privacy mode): profiles are then not remembered across reloads
    return undefined
  }
}
