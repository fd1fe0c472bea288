/** What every dashboard panel gets and gives. */
import type { DashboardSource } from '../source/types.ts'

export interface PanelContext {
  /** the node shown: the tab's own, or the one serving the page */
  source: DashboardSource
  /** a notice in the page's message bar (in the flow, above the panels: it covers nothing) */
  toast(message: string, kind?: 'info' | 'error'): void
  /** opens the detail of a peer (addresses, health parts, RTT and bandwidth over time) */
  showPeer(peerId: string): void
}

export interface Panel {
  section: HTMLElement
  /** called on the dashboard's tick (and on relevant events) */
  refresh?(): void | Promise<void>
  dispose?(): void
}

/**
 * A form's one status line: a new outcome replaces the last one, so an error never sits
 * next to a stale success (and stays where the form is, not over another panel).
 */
export function setStatus (el: HTMLElement, text: string, kind: 'ok' | 'error' = 'ok'): void {
  el.textContent = text
  el.classList.toggle('error', kind === 'error')
  el.setAttribute('role', kind === 'error' ? 'alert' : 'status')
}
