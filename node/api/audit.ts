/**
 * The audit log: one JSON line per write request (any method but GET/HEAD/OPTIONS),
 * accepted or refused, appended to `<dataDir>/audit.log`. It records who (client address,
 * whether a token was presented), what (method, route, body, truncated), when, and the
 * outcome (status), with the correlation id that ties the request to the events it caused.
 */
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import type { WriteStream } from 'node:fs'

export const AUDIT_LOG_FILE = 'audit.log'
const MAX_BODY_CHARS = 2048

export interface AuditRecord {
  time: string
  correlation_id: string
  method: string
  url: string
  route: string | null
  status: number
  ip: string
  authenticated: boolean
  duration_ms: number
  body?: unknown
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
  if (body == null) return undefined
  const text = JSON.stringify(body)
  if (text === undefined) return undefined
  if (text.length <= MAX_BODY_CHARS) return body
  return { truncated: true, length: text.length, preview: text.slice(0, MAX_BODY_CHARS) }
}

export function createAuditLog (dataDir: string): AuditLog {
  const path = auditLogPath(dataDir)
  const stream: WriteStream = createWriteStream(path, { flags: 'a', mode: 0o600 })
  let failed: Error | undefined
  stream.on('error', err => { failed = err })
  return {
    path,
    get error () { return failed },
    record (entry) {
      if (failed != null) return
      stream.write(JSON.stringify(entry) + '\n')
    },
    async close () {
      if (stream.closed) return
      await new Promise<void>(resolve => { stream.end(() => { resolve() }) })
    }
  }
}
