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

export function shortId (id: string): string {
  return id.length > 14 ? `${id.slice(0, 6)}…${id.slice(-6)}` : id
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
