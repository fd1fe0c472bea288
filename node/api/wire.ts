/**
 * The API's one convention for what it sends: snake_case field names and times as epoch
 * milliseconds (UTC integers). Core objects use camelCase (TypeScript's); event and
 * notification `data` is free-form, so its keys are converted here, on the way out, in one
 * place for the HTTP routes and the WebSocket feed alike.
 */

const MAX_DEPTH = 8

export function snakeCase (key: string): string {
  // only camelCase keys change: `already_paid`, `peer_id` and `12D3KooW…` ids stay as they are
  if (!/^[a-z][a-zA-Z0-9]*$/.test(key) || !/[A-Z]/.test(key)) { return key }
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase()
}

/** a copy with every object key in snake_case (arrays and nested objects too, to a depth) */
export function snakeKeys<T = unknown> (value: unknown, depth = 0): T {
  if (value == null || typeof value !== 'object' || depth > MAX_DEPTH) { return value as T }
  if (Array.isArray(value)) { return value.map(v => snakeKeys(v, depth + 1)) as T }
  if (value instanceof Uint8Array || value instanceof Date) { return value as T }
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) { out[snakeCase(k)] = snakeKeys(v, depth + 1) }
  return out as T
}

/** an ISO 8601 time from the core as epoch ms; null stays null */
export function epochMs (iso: string | null | undefined): number | null {
  if (iso == null) { return null }
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? null : ms
}

/** an event as the API sends it */
export function eventView (e: { seq: number, type: string, category: string, correlationId: string, timestamp: number, data: unknown }): Record<string, unknown> {
  const data = e.data != null && typeof e.data === 'object' && !Array.isArray(e.data) ? e.data : { value: e.data }
  return { seq: e.seq, type: e.type, category: e.category, correlation_id: e.correlationId, timestamp: e.timestamp, data: snakeKeys(data) }
}

/** a notification as the API sends it: its own fields are snake_case already, its data may not be */
export function notificationView<N extends { data: Record<string, unknown> }> (n: N): N {
  return { ...n, data: snakeKeys(n.data) }
}
