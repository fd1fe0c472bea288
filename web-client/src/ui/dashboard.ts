/**
 * The dashboard: a header with this tab's identity and mesh status, then the panels.
 * Panels refresh on a tick (link figures, routes, stats change continuously) and on the
 * events that matter to them.
 */
import { createAutomationPanel } from './automation.ts'
import { h, shortId } from './dom.ts'
import { createHumansPanel, createLedgerPanel } from './ledger.ts'
import { createNotificationsPanel } from './notifications.ts'
import { createPeersPanel } from './peers.ts'
import { createRoutesPanel } from './routes.ts'
import { createTopologyPanel } from './topology.ts'
import { createTruthPanel } from './truth.ts'
import type { Panel, PanelContext } from './panel.ts'
import type { BrowserNode } from '../node.ts'

export interface Dashboard {
  stop(): void
}

const TICK_MS = 2000

export function mountDashboard (root: HTMLElement, browser: BrowserNode): Dashboard {
  const { node } = browser
  const self = node.libp2p.peerId.toString()
  const toasts = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' })
  const alerts = h('div', { class: 'toasts', role: 'alert' })
  const toast = (message: string, kind: 'info' | 'error' = 'info'): void => {
    const el = h('p', { class: `toast ${kind}` }, message)
    ;(kind === 'error' ? alerts : toasts).append(el)
    setTimeout(() => { el.remove() }, kind === 'error' ? 8000 : 4000)
  }
  const ctx: PanelContext = { browser, node, toast }

  const status = h('span', { class: 'status-chip', 'aria-live': 'polite' })
  const header = h('header', { class: 'top' },
    h('h1', {}, h('span', { class: 'logo', 'aria-hidden': 'true' }, '◈'), ' Liberation Mesh'),
    h('div', { class: 'identity' },
      status,
      h('span', { class: 'peer-id', title: self, 'data-peer-id': self }, h('span', { class: 'sr-only' }, 'Your peer id '), shortId(self)),
      browser.profile !== 'default' ? h('span', { class: 'badge' }, browser.profile) : null
    )
  )

  const panels: Panel[] = [
    createTruthPanel(ctx),
    createPeersPanel(ctx),
    createTopologyPanel(ctx),
    createLedgerPanel(ctx),
    createHumansPanel(ctx),
    createRoutesPanel(ctx),
    createNotificationsPanel(ctx),
    createAutomationPanel(ctx)
  ]
  const main = h('main', { class: 'grid' }, ...panels.map(p => p.section))
  root.replaceChildren(header, main, toasts, alerts)
  root.removeAttribute('aria-busy')

  const refresh = (): void => {
    // peers decide: navigator.onLine only says whether the machine has a default route
    const peers = node.libp2p.getPeers().length
    if (peers > 0) {
      status.textContent = `● ${peers} peer${peers === 1 ? '' : 's'}`
      status.className = 'status-chip on'
    } else if (navigator.onLine) {
      status.textContent = '● connecting'
      status.className = 'status-chip wait'
    } else {
      status.textContent = '● offline'
      status.className = 'status-chip off'
    }
    for (const p of panels) {
      try {
        void Promise.resolve(p.refresh?.()).catch(() => {})
      } catch {
        // a panel failing to refresh must not stop the others
      }
    }
  }
  let pending: ReturnType<typeof setTimeout> | undefined
  const soon = (): void => {
    if (pending != null) { return }
    pending = setTimeout(() => { pending = undefined; refresh() }, 150)
  }
  const onEvent = (evt: CustomEvent<{ category: string }>): void => {
    if (evt.detail.category !== 'metrics') { soon() }
  }
  node.events.addEventListener('event', onEvent)
  globalThis.addEventListener('online', soon)
  globalThis.addEventListener('offline', soon)
  const timer = setInterval(refresh, TICK_MS)
  refresh()

  return {
    stop () {
      clearInterval(timer)
      if (pending != null) { clearTimeout(pending) }
      node.events.removeEventListener('event', onEvent)
      globalThis.removeEventListener('online', soon)
      globalThis.removeEventListener('offline', soon)
      for (const p of panels) { p.dispose?.() }
    }
  }
}
