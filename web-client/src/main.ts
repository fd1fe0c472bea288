/** The page: start the tab's mesh node, then the dashboard on top of it. */
import { loadWebConfig } from './config.ts'
import { startBrowserNode } from './node.ts'

async function main (): Promise<void> {
  const config = await loadWebConfig()
  if (config.requestMedia) {
    // see config.ts: only for all-on-one-machine setups (tests, local development)
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false })
    for (const t of stream.getTracks()) { t.stop() }
  }
  const browserNode = await startBrowserNode(config)
  ;(globalThis as any).liberation = browserNode
  const app = document.getElementById('app')
  if (app != null) { app.textContent = browserNode.node.libp2p.peerId.toString() }
}

main().catch(err => {
  // eslint-disable-next-line no-console
  console.error('liberation: the node failed to start', err)
})
