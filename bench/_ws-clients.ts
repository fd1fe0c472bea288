/**
 * Worker thread for bench/api: holds many WebSocket clients (`ws`) and measures, for each
 * message that carries `"t":<ms>` (the sender's `performance.timeOrigin + now()`), the
 * delivery latency. Runs in its own thread so the clients do not share the server's
 * event loop.
 */
import { parentPort } from 'node:worker_threads'
import { WebSocket } from 'ws'

if (parentPort == null) { throw new Error('run as a worker') }
const port = parentPort

let sockets: WebSocket[] = []
let received = 0
let latencies = new Float64Array(1 << 20)
let count = 0
let lastAt = 0

const now = (): number => performance.timeOrigin + performance.now()

function record (data: Buffer): void {
  received++
  lastAt = now()
  const i = data.indexOf('"t":')
  if (i < 0) { return }
  let j = i + 4
  while (j < data.length && ((data[j] >= 48 && data[j] <= 57) || data[j] === 46)) { j++ }
  const t = Number(data.toString('latin1', i + 4, j))
  if (count === latencies.length) {
    const bigger = new Float64Array(latencies.length * 2)
    bigger.set(latencies)
    latencies = bigger
  }
  latencies[count++] = now() - t
}

async function connect (url: string, n: number): Promise<void> {
  const batch = 100
  for (let start = 0; start < n; start += batch) {
    // every batch adds to the one list of open sockets
    // eslint-disable-next-line no-loop-func
    await Promise.all(Array.from({ length: Math.min(batch, n - start) }, async () => {
      const ws = new WebSocket(url, { perMessageDeflate: false })
      ws.on('message', (data: Buffer) => { record(data) })
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => { resolve() })
        ws.once('error', reject)
      })
      sockets.push(ws)
    }))
  }
}

function percentile (sorted: Float64Array, p: number): number {
  if (sorted.length === 0) { return Number.NaN }
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

port.on('message', (msg: { cmd: string, url?: string, n?: number }) => {
  void (async () => {
    switch (msg.cmd) {
      case 'connect':
        await connect(msg.url as string, msg.n as number)
        port.postMessage({ cmd: 'connected', clients: sockets.length })
        break
      case 'reset':
        received = 0
        count = 0
        port.postMessage({ cmd: 'reset' })
        break
      case 'report': {
        const sorted = latencies.slice(0, count).sort()
        port.postMessage({ cmd: 'report', received, lastAt, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? Number.NaN })
        break
      }
      case 'close':
        await Promise.all(sockets.map(async ws => {
          if (ws.readyState === WebSocket.CLOSED) { return }
          await new Promise<void>(resolve => { ws.once('close', () => { resolve() }); ws.close() })
        }))
        sockets = []
        port.postMessage({ cmd: 'closed' })
        break
      default:
        break
    }
  })()
})
