/**
 * The knowledge service's search index over its store: loaded from the snapshot saved at
 * the last stop when that snapshot matches the store (or rebuilt from it), kept up to date
 * in the background, and saved again at stop.
 *
 * Indexing costs more than verifying and storing a record, so changes are queued and a
 * background drain applies them in short slices; while a catch-up runs (a bulk load) the
 * drain waits for it to end. A search drains everything first, so it always sees every
 * stored entry.
 */
import { toHex } from '../crypto/index.ts'
import { KnowledgeIndex } from './search.ts'
import type { EntryVersion } from './pb/knowledge.ts'
import type { SearchDoc } from './search.ts'
import type { EntryState, KnowledgeStore } from './store.ts'
import type { Logger } from '@libp2p/interface'

/** one background slice of index work, ms: short enough not to hold up gossip */
const INDEX_SLICE_MS = 8
/** while a catch-up runs, the background index work looks again this often, ms */
const INDEX_SYNC_WAIT_MS = 250
/** entries read from the store per step of a rebuild */
const REBUILD_CHUNK = 1000

export interface LiveIndexInit {
  store: KnowledgeStore
  log: Logger
  /** true while a catch-up runs: background indexing waits */
  bulkLoading(): boolean
}

export interface LiveIndexInfo {
  source: 'loaded' | 'rebuilt' | 'empty'
  /** time to load or rebuild at start */
  ms: number
}

export interface LiveIndex {
  readonly info: LiveIndexInfo
  /** load the snapshot, or rebuild from the store */
  open(): Promise<void>
  /** an entry's current version (null: retracted) for the index */
  queue(entryId: string, doc: SearchDoc | null): void
  /** the index with every queued change applied, for a search */
  current(): KnowledgeIndex
  /** apply what is queued and save the snapshot */
  save(): Promise<void>
}

export function toSearchDoc (s: EntryState, e: EntryVersion): SearchDoc {
  return { id: s.entryId, title: e.title, content: e.content, tags: [...e.tags], type: e.type, author: s.authorKey }
}

export function createLiveIndex (init: LiveIndexInit): LiveIndex {
  const { store, log } = init
  let index = new KnowledgeIndex()
  let info: LiveIndexInfo = { source: 'empty', ms: 0 }
  /** entry id → its current document, or null to remove */
  const queued = new Map<string, SearchDoc | null>()
  let drainTimer: ReturnType<typeof setTimeout> | undefined

  /** the store's contents in one string: a snapshot is used only for the store it was saved with */
  const fingerprint = (): string => {
    const all = store.ranges.slices(0, 2 ** 52, 2 ** 52, 1).slices[0]
    return all == null ? '0' : `${all.count}:${toHex(all.fingerprint)}`
  }

  const schedule = (ms: number): void => {
    drainTimer = setTimeout(() => { drain(INDEX_SLICE_MS) }, ms)
  }

  /** apply queued changes for up to `budgetMs` (all of them when Infinity); the rest in a later task */
  const drain = (budgetMs: number): void => {
    clearTimeout(drainTimer)
    drainTimer = undefined
    if (budgetMs !== Infinity && init.bulkLoading()) {
      schedule(INDEX_SYNC_WAIT_MS)
      return
    }
    const until = performance.now() + budgetMs
    let n = 0
    for (const [id, doc] of queued) {
      queued.delete(id)
      if (doc == null) { index.remove(id) } else { index.upsert(doc) }
      if (++n % 16 === 0 && performance.now() > until) { break }
    }
    if (queued.size > 0) { schedule(0) }
  }

  return {
    get info () { return info },

    async open () {
      const started = Date.now()
      const saved = await store.getMeta('search')
      const marker = await store.getMeta('search-marker')
      if (saved != null && marker != null && new TextDecoder().decode(marker) === fingerprint()) {
        try {
          index = KnowledgeIndex.fromBytes(saved)
          info = { source: 'loaded', ms: Date.now() - started }
          return
        } catch (err: any) {
          log('search index snapshot unreadable, rebuilding: %s', err.message)
        }
      }
      index = new KnowledgeIndex()
      const live = [...store.entries.values()].filter(e => !e.retracted)
      for (let i = 0; i < live.length; i += REBUILD_CHUNK) {
        const chunk = live.slice(i, i + REBUILD_CHUNK)
        const bodies = await store.getBodies(chunk.map(e => e.current.idHex))
        const docs: SearchDoc[] = []
        bodies.forEach((b, j) => { if (b?.entry != null) { docs.push(toSearchDoc(chunk[j], b.entry)) } })
        index.addAll(docs)
      }
      info = { source: live.length === 0 ? 'empty' : 'rebuilt', ms: Date.now() - started }
    },

    queue (entryId, doc) {
      // the latest change of an entry is the one that counts, applied in arrival order
      queued.delete(entryId)
      queued.set(entryId, doc)
      if (drainTimer == null) { schedule(0) }
    },

    current () {
      drain(Infinity)
      return index
    },

    async save () {
      drain(Infinity)
      // marker last: a crash between the two writes leaves a stale marker, so a rebuild
      await store.putMeta('search', index.toBytes())
      await store.putMeta('search-marker', new TextEncoder().encode(fingerprint()))
    }
  }
}
