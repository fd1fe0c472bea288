/** A few DOM helpers: the dashboard is plain DOM, no framework (it would double the bundle). */

type Child = Node | string | number | null | undefined | false
type Attrs = Record<string, unknown>

function apply (el: Element, attrs: Attrs): void {
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) { continue }
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value as EventListener)
    } else if (key === 'class') {
      el.setAttribute('class', String(value))
    } else if (key in el && !key.includes('-') && typeof value !== 'string') {
      (el as any)[key] = value
    } else {
      el.setAttribute(key, value === true ? '' : String(value))
    }
  }
}

function append (el: Element, children: Child[]): void {
  for (const c of children) {
    if (c == null || c === false) { continue }
    el.append(typeof c === 'number' ? String(c) : c)
  }
}

export function h<K extends keyof HTMLElementTagNameMap> (tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  apply(el, attrs)
  append(el, children)
  return el
}

const SVG_NS = 'http://www.w3.org/2000/svg'

export function svg<K extends keyof SVGElementTagNameMap> (tag: K, attrs: Attrs = {}, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag)
  for (const [key, value] of Object.entries(attrs)) {
    if (value != null && value !== false) { el.setAttribute(key, String(value)) }
  }
  append(el, children)
  return el
}

/** a labelled card; `body` is where the panel renders */
export function card (id: string, title: string, ...children: Child[]): { section: HTMLElement, body: HTMLDivElement } {
  const body = h('div', { class: 'card-body' }, ...children)
  const section = h('section', { class: 'card', id, 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title` }, title),
    body
  )
  return { section, body }
}

/** a peer id shortened to its tail: every Ed25519 id starts with the same `12D3KooW` */
export function shortId (id: string): string {
  return id.length > 12 ? `…${id.slice(-8)}` : id
}

export function fmtBytes (n: number | undefined): string {
  if (n == null || !Number.isFinite(n)) { return '–' }
  if (n < 1024) { return `${Math.round(n)} B` }
  if (n < 1024 * 1024) { return `${(n / 1024).toFixed(1)} KiB` }
  return `${(n / 1024 / 1024).toFixed(1)} MiB`
}

/** a small line chart of the last values (RTT, bandwidth over time); gaps are skipped */
export function sparkline (values: Array<number | undefined>, label: string, width = 96, height = 18): SVGSVGElement {
  const known = values.filter((v): v is number => v != null && Number.isFinite(v))
  const max = Math.max(1e-9, ...known)
  const step = values.length > 1 ? width / (values.length - 1) : 0
  const points = values.map((v, i) => v == null || !Number.isFinite(v) ? undefined : `${(i * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`)
    .filter((p): p is string => p != null)
  return svg('svg', { class: 'spark', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': label },
    svg('title', {}, label),
    points.length > 1 ? svg('polyline', { points: points.join(' '), fill: 'none' }) : null)
}

export function fmtMs (ms: number | undefined): string {
  if (ms == null || !Number.isFinite(ms)) { return '–' }
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`
}

export function fmtAgo (at: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - at) / 1000))
  if (s < 60) { return `${s}s ago` }
  if (s < 3600) { return `${Math.floor(s / 60)}m ago` }
  if (s < 86400) { return `${Math.floor(s / 3600)}h ago` }
  return new Date(at).toLocaleDateString()
}

export function fmtPercent (x: number): string {
  return `${Math.round(x * 100)}%`
}

/** money strings ("19000000000000.00") with thousands separators, exact (no floats) */
export function fmtMoney (amount: string): string {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(amount)
  if (m == null) { return amount }
  return `${m[1]}${m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${m[3] ?? ''}`
}

export function errorText (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
