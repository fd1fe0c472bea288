/** What every dashboard panel gets and gives. */
import type { MeshNode } from '../../../protocol/mesh-node.ts'
import type { BrowserNode } from '../node.ts'

export interface PanelContext {
  browser: BrowserNode
  node: MeshNode
  /** a short-lived message in the live region (screen readers announce it) */
  toast(message: string, kind?: 'info' | 'error'): void
}

export interface Panel {
  section: HTMLElement
  /** called on the dashboard's tick (and on relevant events) */
  refresh?(): void | Promise<void>
  dispose?(): void
}
