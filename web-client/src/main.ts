/** The page: start the tab's mesh node, then the dashboard on top of it; register the service worker. */
import { loadWebConfig } from './config.ts'
import { startBrowserNode } from './node.ts'
import { mountDashboard } from './ui/dashboard.ts'
import './styles.css'
import type { BrowserNode } from './node.ts'

declare global {
  interface Window {
    /** the running node, for the browser console (and tests) */
    liberation?: BrowserNode
  }
}

function showFailure (message: string): void {
  const app = document.getElementById('app')
  if (app == null) { return }
  app.removeAttribute('aria-busy')
  const p = document.createElement('p')
  p.className = 'boot error'
  p.setAttribute('role', 'alert')
  p.textContent = `The mesh node could not start: ${message}`
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

async function main (): Promise<void> {
  void registerServiceWorker()
  const config = await loadWebConfig()
  performance.mark('liberation:config')
  if (config.requestMedia) {
    // see config.ts: only for all-on-one-machine setups (tests, local development)
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false })
    for (const t of stream.getTracks()) { t.stop() }
  }
  performance.mark('liberation:media')
  const browserNode = await startBrowserNode(config)
  window.liberation = browserNode
  const app = document.getElementById('app')
  if (app != null) { mountDashboard(app, browserNode) }
  window.addEventListener('pagehide', () => { void browserNode.stop() })
}

main().catch(err => {
  showFailure(err instanceof Error ? err.message : String(err))
})
