/** Output of the client subcommands: aligned tables and key/value lists, or JSON. */

export type Column<T> = [header: string, value: (row: T) => unknown]

function cell (v: unknown): string {
  if (v == null) return '-'
  if (Array.isArray(v)) return v.map(cell).join(',')
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v).replace(/\s+/g, ' ')
}

/** cells longer than this are cut with an ellipsis so tables stay readable */
const MAX_CELL = 60

export function formatTable<T> (rows: T[], columns: Array<Column<T>>): string {
  const cells = rows.map(r => columns.map(([, get]) => {
    const s = cell(get(r))
    return s.length > MAX_CELL ? s.slice(0, MAX_CELL - 1) + '…' : s
  }))
  const widths = columns.map(([h], i) => Math.max(h.length, ...cells.map(c => c[i].length)))
  const line = (values: string[]): string => values.map((v, i) => i === values.length - 1 ? v : v.padEnd(widths[i])).join('  ').trimEnd()
  return [line(columns.map(([h]) => h)), ...cells.map(line)].join('\n') + '\n'
}

export function formatKeyValues (obj: Record<string, unknown>): string {
  const keys = Object.keys(obj)
  const width = Math.max(0, ...keys.map(k => k.length))
  return keys.map(k => `${(k + ':').padEnd(width + 1)} ${cell(obj[k])}`).join('\n') + '\n'
}

export function write (text: string): void {
  process.stdout.write(text)
}

export function writeJson (value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n')
}

/** the JSON, or the human form */
export function output (json: boolean | undefined, value: unknown, human: () => string): void {
  if (json === true) writeJson(value)
  else write(human())
}

export function formatDuration (seconds: number): string {
  const s = Math.floor(seconds)
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  const parts = [d > 0 ? `${d}d` : '', h > 0 ? `${h}h` : '', m > 0 ? `${m}m` : '', `${s % 60}s`].filter(p => p !== '')
  return parts.slice(0, 3).join(' ')
}

export function formatTime (ms: number | null | undefined): string {
  if (ms == null) return '-'
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')
}
