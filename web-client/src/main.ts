/**
 * The page. Served by a node it shows that node (the node view, through its API and live
 * feed); with `?view=tab`, or not served by a node, it starts the tab's own mesh node and
 * shows that (the tab view). Registers the service worker either way.
 */
import { configFrom, fetchServedConfig } from './config.ts'
import { connectApiSource } from './source/api.ts'
import { SourceError } from './source/types.ts'
import { mountDashboard } from './ui/dashboard.ts'
import { h } from './ui/dom.ts'
import { chooseView, otherViewHref, storeToken, takeToken } from './view.ts'
import './styles.css'
import type { ServedConfig } from './config.ts'
import type { BrowserNode } from './node.ts'
import type { DashboardSource } from './source/types.ts'

declare global {
  interface Window {
    /** the running tab node (tab view), for the browser console and tests */
    liberation?: BrowserNode
    /** what the dashboard shows, for the browser console and tests */
    liberationSource?: DashboardSource
  }
}

function showFailure (message: string): void {
  const app = document.getElementById('app')
  if (app == null) { return }
  app.removeAttribute('aria-busy')
  const p = document.createElement('p')
  p.className = 'boot error'
  p.setAttribute('role', 'alert')
  p.textContent = message
  app.replaceChildren(p)
}

async function registerServiceWorker (): Promise<void> {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) { return }
  try {
    await navigator.serviceWorker.register('/sw.js', { scope: '/' })
  } catch {
    // no offline shell (e.g. not served by a node): the page works online all the same
  }
}

/** asks for the API token; resolves with what the user entered */
async function askToken (app: HTMLElement, refused: boolean): Promise<string> {
  return new Promise(resolve => {
    const input = h('input', { id: 'api-token', name: 'token', type: 'password', required: true, autocomplete: 'current-password' })
    const form = h('form', { class: 'stack token-form', 'aria-labelledby': 'token-title' },
      h('h2', { id: 'token-title' }, 'This node’s API needs its token'),
      h('p', { class: 'muted' }, 'The node is not bound to loopback, so its API asks for a bearer token: the one given with --api-token or in its config, else the generated one in <data dir>/api-token. You can also open the page as …/#token=<token>.'),
      refused ? h('p', { class: 'form-status error', role: 'alert' }, 'That token was refused.') : null,
      h('label', { for: 'api-token' }, 'API token'), input,
      h('div', { class: 'row end' }, h('button', { type: 'submit' }, 'Open the node view')),
      h('p', { class: 'muted' }, h('a', { href: otherViewHref(new URL(location.href), 'node') }, 'Or run a node in this tab instead'))
    )
    form.addEventListener('submit', evt => {
      evt.preventDefault()
      resolve(input.value.trim())
    })
    app.removeAttribute('aria-busy')
    app.replaceChildren(h('main', { class: 'narrow' }, h('section', { class: 'card' }, form)))
    input.focus()
  })
}

async function startNodeView (app: HTMLElement): Promise<void> {
  let token = takeToken()
  let refused = false
  for (;;) {
    try {
      const source = await connectApiSource({ origin: location.origin, token })
      window.liberationSource = source
      mountDashboard(app, source, { otherView: { href: otherViewHref(new URL(location.href), 'node'), label: 'Run a node in this tab' } })
      window.addEventListener('pagehide', () => { void source.stop() })
      return
    } catch (err) {
      if (!(err instanceof SourceError) || err.status !== 401) { throw err }
      refused = token != null
      storeToken(undefined)
      token = await askToken(app, refused)
      storeToken(token)
    }
  }
}

async function startTabView (app: HTMLElement, served: ServedConfig | undefined): Promise<void> {
  const config = configFrom(new URLSearchParams(location.search), served, location.hostname)
  performance.mark('liberation:config')
  if (config.requestMedia) {
    // see config.ts: only for all-on-one-machine setups (tests, local development)
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false })
    for (const t of stream.getTracks()) { t.stop() }
  }
  performance.mark('liberation:media')
  // loaded only for this view: the node view needs no libp2p in the page
  const [{ startBrowserNode }, { createTabSource }] = await Promise.all([import('./node.ts'), import('./source/tab.ts')])
  const browserNode = await startBrowserNode(config)
  window.liberation = browserNode
  const source = createTabSource(browserNode)
  window.liberationSource = source
  mountDashboard(app, source, {
    profile: browserNode.profile,
    otherView: served != null ? { href: otherViewHref(new URL(location.href), 'tab'), label: 'Watch the server node' } : undefined
  })
  window.addEventListener('pagehide', () => { void browserNode.stop() })
}

async function main (): Promise<void> {
  void registerServiceWorker()
  const served = await fetchServedConfig()
  const app = document.getElementById('app')
  if (app == null) { return }
  if (chooseView(new URLSearchParams(location.search), served) === 'node') {
    await startNodeView(app)
  } else {
    await startTabView(app, served)
  }
}

main().catch(err => {
  showFailure(`The dashboard could not start: ${err instanceof Error ? err.message : String(err)}`)
})
