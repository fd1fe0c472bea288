/**
 * What the engine keeps in the node's database (sublevel `automation`): the run history,
 * bounded to the newest `maxRuns` records, and per task its state (last occurrence run,
 * failing or not) and the settings changed through the API.
 */
import { openStore, sortableNumber } from '../storage/index.ts'
import type { RunRecord, TaskSettings } from './types.ts'
import type { MeshDatabase, MeshStore } from '../storage/index.ts'

/** per task, what survives a restart */
export interface StoredTaskState {
  /** when the engine first knew this task: occurrences before it were never missed */
  since: number
  /** the schedule occurrence (ms) the latest scheduled or caught-up run was for */
  lastScheduledFor?: number
  lastRunAt?: number
  lastSuccessAt?: number
  lastOutcome?: RunRecord['outcome']
  /** the task failed and the failure was notified; one recovery notification clears it */
  failing?: boolean
  consecutiveFailures?: number
  /** settings changed through the API; they override the config file */
  overrides?: Partial<TaskSettings>
}

export interface RunQuery {
  task?: string
  /** id of the last run of the previous page (lists run newest first) */
  cursor?: string
  limit?: number
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export class AutomationStore {
  private readonly runs: MeshStore
  private readonly tasks: MeshStore
  private readonly maxRuns: number
  private runCount = 0
  private seq = 0

  constructor (db: MeshDatabase, maxRuns: number) {
    const root = openStore(db, 'automation')
    this.runs = root.sublevel<string, Uint8Array>('runs', { keyEncoding: 'utf8', valueEncoding: 'view' }) as unknown as MeshStore
    this.tasks = root.sublevel<string, Uint8Array>('tasks', { keyEncoding: 'utf8', valueEncoding: 'view' }) as unknown as MeshStore
    this.maxRuns = maxRuns
  }

  async open (): Promise<Map<string, StoredTaskState>> {
    // bounded by maxRuns (each record is trimmed past it)
    this.runCount = (await this.runs.keys().all()).length
    await this.trim()
    const states = new Map<string, StoredTaskState>()
    for await (const [name, value] of this.tasks.iterator()) {
      try {
        states.set(name, JSON.parse(decoder.decode(value)))
      } catch {
        await this.tasks.del(name)
      }
    }
    return states
  }

  newRunId (startedAt: number): string {
    this.seq = (this.seq + 1) % 0x10000
    const random = crypto.getRandomValues(new Uint8Array(2))
    return `${sortableNumber(Math.max(0, Math.floor(startedAt)))}${this.seq.toString(16).padStart(4, '0')}${Array.from(random, b => b.toString(16).padStart(2, '0')).join('')}`
  }

  /** stores a finished run and the task's state in one write; drops the oldest runs past the bound */
  async record (run: RunRecord, task: string, state: StoredTaskState): Promise<void> {
    await this.runs.db.batch([
      { type: 'put', key: run.id, value: encoder.encode(JSON.stringify(run)), sublevel: this.runs },
      { type: 'put', key: task, value: encoder.encode(JSON.stringify(state)), sublevel: this.tasks }
    ] as any)
    this.runCount++
    await this.trim()
  }

  async saveState (task: string, state: StoredTaskState): Promise<void> {
    await this.tasks.put(task, encoder.encode(JSON.stringify(state)))
  }

  async list (query: RunQuery = {}): Promise<{ items: RunRecord[], nextCursor?: string }> {
    const limit = Math.max(1, Math.min(query.limit ?? 50, 500))
    const items: RunRecord[] = []
    let last: string | undefined
    const range = query.cursor != null ? { lt: query.cursor, reverse: true } : { reverse: true }
    for await (const [key, value] of this.runs.iterator(range)) {
      let run: RunRecord
      try { run = JSON.parse(decoder.decode(value)) } catch { continue }
      if (query.task != null && run.task !== query.task) { continue }
      if (items.length === limit) { return { items, nextCursor: last } }
      items.push(run)
      last = key
    }
    return { items }
  }

  /** every run record's count (bounded by maxRuns) */
  get size (): number { return this.runCount }

  async trim (max = this.maxRuns): Promise<number> {
    const excess = this.runCount - max
    if (excess <= 0) { return 0 }
    const old: string[] = []
    for await (const key of this.runs.keys({ limit: excess })) { old.push(key) }
    await this.runs.batch(old.map(key => ({ type: 'del' as const, key })))
    this.runCount -= old.length
    return old.length
  }
}
