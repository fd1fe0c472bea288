/**
 * The audit log: one JSON line per write request (any method but GET/HEAD/OPTIONS),
 * accepted or refused, appended to `<dataDir>/audit.log`. It records who (client address,
 * whether a token was presented), what (method, route, body, truncated), when, and the
 * outcome (status), with the correlation id that ties the request to the events it caused.
 *
 * Bounded on disk: past `maxBytes` the file is rotated to `audit.log.1` (older ones shift
 * up to `audit.log.<keep>`, the oldest is dropped).
 */
import { createWriteStream, existsSync, openSync, renameSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { WriteStream } from 'node:fs'

export const AUDIT_LOG_FILE = 'audit.log'
const MAX_BODY_CHARS = 2048

export interface AuditRecord {
  time: string
  correlation_id: string
  method: string
  url: string
  /** the route pattern, or 'unmatched' */
  route: string
  status: number
  ip: string
  authenticated: boolean
  duration_ms: number
  body?: unknown
}

export interface AuditLogInit {
  /** rotate past this size (default 64 MiB) */
  maxBytes?: number
  /** rotated files kept (default 4) */
  keep?: number
}

export interface AuditLog {
  readonly path: string
  /** set when the file cannot be written: the API then refuses writes */
  readonly error: Error | undefined
  record(entry: AuditRecord): void
  close(): Promise<void>
}

export function auditLogPath (dataDir: string): string {
  return join(dataDir, AUDIT_LOG_FILE)
}

/** bodies are kept whole when small, else cut to a preview */
export function auditBody (body: unknown): unknown {
  if (body == null) { return undefined }
  const text = JSON.stringify(body)
  if (text === undefined) { return undefined }
  if (text.length <= MAX_BODY_CHARS) { return body }
  return { truncated: true, length: text.length, preview: text.slice(0, MAX_BODY_CHARS) }
}

export function createAuditLog (dataDir: string, init: AuditLogInit = {}): AuditLog {
  const path = auditLogPath(dataDir)
  const maxBytes = init.maxBytes ?? 64 * 1024 * 1024
  const keep = Math.max(1, init.keep ?? 4)
  let failed: Error | undefined
  let size = 0
  try {
    size = statSync(path).size
  } catch {}

  // opened synchronously: the file exists (and a failure is known) before the first record
  const open = (): WriteStream | undefined => {
    try {
      const fd = openSync(path, 'a', 0o600)
      const s = createWriteStream(path, { fd })
      s.on('error', err => { failed = err })
      return s
    } catch (err: any) {
      failed = err
      return undefined
    }
  }
  let stream = open()

  const rotate = (): void => {
    // the old stream keeps its descriptor: what it still has buffered lands in the renamed file
    stream?.end()
    for (let i = keep - 1; i >= 1; i--) {
      if (existsSync(`${path}.${i}`)) { renameSync(`${path}.${i}`, `${path}.${i + 1}`) }
    }
    renameSync(path, `${path}.1`)
    stream = open()
    size = 0
  }

  return {
    path,
    get error () { return failed },
    record (entry) {
      if (failed != null || stream == null) { return }
      const line = JSON.stringify(entry) + '\n'
      if (size > 0 && size + line.length > maxBytes) {
        try {
          rotate()
        } catch (err: any) {
          failed = err
          return
        }
      }
      stream.write(line)
      size += Buffer.byteLength(line)
    },
    async close () {
      const s = stream
      if (s == null || s.closed) { return }
      await new Promise<void>(resolve => { s.end(() => { resolve() }) })
    }
  }
}
