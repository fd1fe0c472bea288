/** Output of the client subcommands: aligned tables and key/value lists, or JSON. */

export type Column<T> = [header: string, value: (row: T) => unknown]

function cell (v: unknown): string {
  if (v == null) { return '-' }
  if (Array.isArray(v)) { return v.map(cell).join(',') }
  if (typeof v === 'object') { return JSON.stringify(v) }
  return String(v).replace(/\s+/g, ' ')
}

/** cells longer than this are cut with an ellipsis so tables stay readable */
const MAX_CELL = 60

/** the terminal's width: the TTY's, else $COLUMNS, else none (no limit when piped) */
export function terminalWidth (): number | undefined {
  if (process.stdout.isTTY === true && process.stdout.columns > 0) { return process.stdout.columns }
  const env = Number(process.env.COLUMNS)
  return Number.isInteger(env) && env >= 20 ? env : undefined
}

const cut = (s: string, width: number): string => s.length > width ? s.slice(0, Math.max(1, width - 1)) + '…' : s

export function formatTable<T> (rows: T[], columns: Array<Column<T>>, width = terminalWidth()): string {
  const cells = rows.map(r => columns.map(([, get]) => cut(cell(get(r)), MAX_CELL)))
  const widths = columns.map(([h], i) => Math.max(h.length, ...cells.map(c => c[i].length)))
  // wider than the terminal: narrow the widest column, one character at a time, down to 6
  if (width != null) {
    let total = widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1)
    while (total > width) {
      const widest = widths.indexOf(Math.max(...widths))
      if (widths[widest] <= 6) { break }
      widths[widest]--
      total--
    }
  }
  const line = (values: string[]): string => values.map((v, i) => i === values.length - 1 ? cut(v, widths[i]) : cut(v, widths[i]).padEnd(widths[i])).join('  ').trimEnd()
  return [line(columns.map(([h]) => h)), ...cells.map(line)].join('\n') + '\n'
}

/** "1 human", "2 humans" */
export function plural (n: number, noun: string, many = `${noun}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? noun : many}`
}

/** a decimal amount string with thousands grouped: "18999999998400.00" → "18,999,999,998,400.00" */
export function formatMoney (amount: string | number | null | undefined): string {
  if (amount == null) { return '-' }
  const [whole, fraction] = String(amount).split('.')
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return fraction != null ? `${grouped}.${fraction}` : grouped
}

/** the line under a list cut by --limit */
export function moreHint (shown: number, noun: string, limit: number): string {
  return `… more ${noun} than the ${shown.toLocaleString('en-US')} shown: use --limit ${(limit * 2).toLocaleString('en-US').replace(/,/g, '')} (or --json) to see more\n`
}

/** the Monday (UTC) that starts the ISO week after `week` ("2026-W49") */
export function nextWeekStart (week: string): { week: string, monday: string } | undefined {
  const m = /^(\d{4})-W(\d{2})$/.exec(week)
  if (m == null) { return undefined }
  // ISO week 1 holds January 4th
  const jan4 = Date.UTC(Number(m[1]), 0, 4)
  const mondayOfWeek1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * 86_400_000
  const next = new Date(mondayOfWeek1 + Number(m[2]) * 7 * 86_400_000)
  const thursday = new Date(next.getTime() + 3 * 86_400_000)
  const year = thursday.getUTCFullYear()
  const yearJan4 = Date.UTC(year, 0, 4)
  const yearWeek1 = yearJan4 - ((new Date(yearJan4).getUTCDay() + 6) % 7) * 86_400_000
  const n = Math.floor((next.getTime() - yearWeek1) / (7 * 86_400_000)) + 1
  return { week: `${year}-W${String(n).padStart(2, '0')}`, monday: next.toISOString().slice(0, 10) }
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
  if (json === true) { writeJson(value) } else { write(human()) }
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
  if (ms == null) { return '-' }
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z')
}
