/**
 * The dashboard: a header that says which node is shown (the node serving the page, or
 * this tab's own node) with its id and status, a message bar, then the panels. Panels
 * refresh on a tick (link figures, routes, stats change continuously) and on the events
 * that matter to them.
 */
import { createAutomationPanel } from './automation.ts'
import { h, shortId } from './dom.ts'
import { createKnowledgePanel } from './knowledge.ts'
import { createHumansPanel, createLedgerPanel } from './ledger.ts'
import { createNotificationsPanel } from './notifications.ts'
import { createPeersPanel } from './peers.ts'
import { createRoutesPanel } from './routes.ts'
import { createTopologyPanel } from './topology.ts'
import { createTruthPanel } from './truth.ts'
import type { Panel, PanelContext } from './panel.ts'
import type { PeersPanel } from './peers.ts'
import type { DashboardSource } from '../source/types.ts'

export interface Dashboard {
  stop(): void
}

export interface DashboardInit {
  /** where the other view is (a link in the header), if there is one */
  otherView?: { href: string, label: string }
  /** the tab's profile, shown when not the default one */
  profile?: string
}

const TICK_MS = 2000
const NOTICE_MS = { info: 4000, error: 8000 }

export function mountDashboard (root: HTMLElement, source: DashboardSource, init: DashboardInit = {}): Dashboard {
  const self = source.selfId
  // in the flow under the header: a notice never covers a panel; the same text is not repeated
  const notices = h('div', { class: 'notices', role: 'status', 'aria-live': 'polite' })
  const toast = (message: string, kind: 'info' | 'error' = 'info'): void => {
    for (const el of notices.children) { if (el.textContent === message) { el.remove() } }
    const el = h('p', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : undefined }, message)
    notices.append(el)
    while (notices.children.length > 3) { notices.firstElementChild?.remove() }
    setTimeout(() => { el.remove() }, NOTICE_MS[kind])
  }
  const late: { peers?: PeersPanel } = {}
  const ctx: PanelContext = { source, toast, showPeer: id => { late.peers?.show(id) } }

  const status = h('span', { class: 'status-chip', 'aria-live': 'polite' })
  const viewName = source.kind === 'node' ? 'Node view' : 'Tab view'
  const header = h('header', { class: 'top' },
    h('h1', {}, h('span', { class: 'logo', 'aria-hidden': 'true' }, '◈'), ' Liberation Mesh'),
    h('div', { class: 'identity' },
      h('span', { class: `view-badge ${source.kind}`, 'data-view': source.kind, title: `You are looking at ${source.label}` }, viewName),
      status,
      h('span', { class: 'peer-id', title: self, 'data-peer-id': self },
        h('span', { class: 'sr-only' }, source.kind === 'node' ? 'Peer id of the node shown ' : 'Your peer id '), shortId(self)),
      init.profile != null && init.profile !== 'default' ? h('span', { class: 'badge' }, init.profile) : null,
      init.otherView != null ? h('a', { class: 'switch-view', href: init.otherView.href }, init.otherView.label) : null
    ),
    h('p', { class: 'view-note' }, source.kind === 'node'
      ? 'Showing the node that serves this page, through its API: posts, registrations and distributions are made by that node.'
      : 'Showing this tab’s own mesh node (its own identity, stored in this browser): posts are signed by the tab.')
  )

  const peersPanel = createPeersPanel(ctx)
  late.peers = peersPanel
  const routesPanel = createRoutesPanel(ctx)
  const panels: Panel[] = [
    createTruthPanel(ctx),
    peersPanel,
    createTopologyPanel(ctx, { connected: () => peersPanel.connected(), routeTargets: () => routesPanel.last().map(r => r.target) }),
    createLedgerPanel(ctx),
    createHumansPanel(ctx),
    routesPanel,
    createKnowledgePanel(ctx),
    createNotificationsPanel(ctx),
    createAutomationPanel(ctx)
  ]
  const main = h('main', { class: 'grid' }, ...panels.map(p => p.section))
  root.replaceChildren(header, notices, main)
  root.removeAttribute('aria-busy')

  let refreshing = false
  const refresh = async (): Promise<void> => {
    if (refreshing) { return }
    refreshing = true
    try {
      const peers = await source.peerCount().catch(() => 0)
      if (!source.online()) {
        status.textContent = source.kind === 'node' ? '● node unreachable' : '● offline'
        status.className = 'status-chip off'
      } else if (peers > 0) {
        status.textContent = `● ${peers} peer${peers === 1 ? '' : 's'}`
        status.className = 'status-chip on'
      } else if (navigator.onLine) {
        status.textContent = '● connecting'
        status.className = 'status-chip wait'
      } else {
        status.textContent = '● offline'
        status.className = 'status-chip off'
      }
      // peers and routes first: the topology draws what they hold
      await Promise.allSettled([peersPanel.refresh?.(), routesPanel.refresh?.()])
      await Promise.allSettled(panels.filter(p => p !== peersPanel && p !== routesPanel).map(async p => p.refresh?.()))
    } finally {
      refreshing = false
    }
  }
  let pending: ReturnType<typeof setTimeout> | undefined
  const soon = (): void => {
    if (pending != null) { return }
    pending = setTimeout(() => { pending = undefined; void refresh() }, 150)
  }
  const offEvent = source.on('event', e => { if (e.category !== 'metrics') { soon() } })
  const offConn = source.on('connection', soon)
  globalThis.addEventListener('online', soon)
  globalThis.addEventListener('offline', soon)
  const timer = setInterval(() => { if (document.visibilityState !== 'hidden') { void refresh() } }, TICK_MS)
  void refresh()

  return {
    stop () {
      clearInterval(timer)
      if (pending != null) { clearTimeout(pending) }
      offEvent()
      offConn()
      globalThis.removeEventListener('online', soon)
      globalThis.removeEventListener('offline', soon)
      for (const p of panels) { p.dispose?.() }
    }
  }
}
