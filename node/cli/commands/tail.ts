import { InvalidArgumentError } from 'commander'
import { CliError, clientCommand, createApiClient, positiveInt } from '../client.ts'
import { formatTime, terminalWidth, writeJson, write } from '../output.ts'
import type { ClientOptions } from '../client.ts'
import type { Command } from 'commander'

const CHANNELS = ['resources', 'truth', 'mesh', 'notifications', 'metrics', 'events']

function channelList (value: string): string[] {
  const list = value.split(',').map(s => s.trim()).filter(s => s !== '')
  const bad = list.find(c => !CHANNELS.includes(c))
  if (list.length === 0 || bad != null) { throw new InvalidArgumentError(`unknown channel "${bad ?? ''}" (channels: ${CHANNELS.join(', ')}).`) }
  return list
}

/** one line per event: cut to the terminal's width */
function fit (line: string): string {
  const width = terminalWidth()
  return width != null && line.length > width ? line.slice(0, width - 1) + '…' : line
}

const HIDDEN = new Set(['signature', 'author_key', 'signed', 'raw'])

/** one value, short: 64-hex ids to 12, peer ids to head…tail, fractions to 2 decimals, times readable */
function shortValue (key: string, v: unknown): string {
  if (typeof v === 'string') {
    if (/^[0-9a-f]{40,}$/.test(v)) { return v.slice(0, 12) }
    if (/^(12D3KooW|Qm)[1-9A-HJ-NP-Za-km-z]{30,}$/.test(v)) { return `${v.slice(0, 8)}…${v.slice(-6)}` }
    return /\s/.test(v) ? JSON.stringify(v.length > 80 ? v.slice(0, 79) + '…' : v) : v
  }
  if (typeof v === 'number') {
    if ((key === 'timestamp' || key.endsWith('_at')) && v > 1e12) { return formatTime(v) }
    return Number.isInteger(v) ? String(v) : v.toFixed(2)
  }
  if (Array.isArray(v)) { return v.length > 3 ? `[${v.slice(0, 3).map(x => shortValue(key, x)).join(',')},…${v.length}]` : `[${v.map(x => shortValue(key, x)).join(',')}]` }
  if (v != null && typeof v === 'object') { return `{${summarize(v as Record<string, unknown>)}}` }
  return String(v)
}

/** `key=value` pairs of an event's data, without signatures and keys */
export function summarize (data: Record<string, unknown>): string {
  return Object.entries(data).filter(([k, v]) => !HIDDEN.has(k) && v !== undefined).map(([k, v]) => `${k}=${shortValue(k, v)}`).join(' ')
}

/** one readable line per feed message */
export function describeFeedMessage (msg: any): string | undefined {
  switch (msg.type) {
    case 'event': {
      const e = msg.data
      return `${formatTime(e.timestamp)} ${msg.channel} ${e.type} ${summarize(e.data ?? {})}`
    }
    case 'notification': {
      const n = msg.data
      return `${formatTime(n.created_at)} notifications [${n.priority}] ${n.title}${n.message !== '' ? ` - ${n.message}` : ''}`
    }
    case 'metrics_update':
      return `${formatTime(msg.data.timestamp)} metrics ${summarize({ ...msg.data, timestamp: undefined })}`
    case 'dropped':
      return `(${msg.count} messages dropped: this terminal was too slow)`
    default:
      return undefined
  }
}

export function registerTailCommand (program: Command): void {
  clientCommand(program.command('tail').description('follow the live feed of a running node (events, truth, notifications, ...)'))
    .option('-c, --channels <list>', `comma-separated channels (${CHANNELS.join(', ')})`, channelList, ['events'])
    .option('-r, --recipient <id>', 'receive notifications targeted at this recipient too')
    .option('-n, --count <n>', 'exit after n messages', positiveInt('--count'))
    .action(async (opts: ClientOptions & { channels: string[], recipient?: string, count?: number }) => {
      const client = await createApiClient(opts)
      const url = client.wsUrl('/api/v1/realtime/ws', { channels: opts.channels.join(','), recipient: opts.recipient })
      await new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(url)
        let seen = 0
        const printed = new Set<number>()
        let opened = false
        let done = false
        const finish = (err?: Error): void => {
          if (done) { return }
          done = true
          process.off('SIGINT', onSignal)
          process.off('SIGTERM', onSignal)
          if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) { ws.close(1000) }
          if (err != null) { reject(err) } else { resolve() }
        }
        const onSignal = (): void => { finish() }
        process.once('SIGINT', onSignal)
        process.once('SIGTERM', onSignal)
        ws.addEventListener('open', () => { opened = true })
        ws.addEventListener('message', evt => {
          let msg: any
          try { msg = JSON.parse(String(evt.data)) } catch { return }
          if (msg.type === 'welcome') {
            if (opts.json !== true) { process.stderr.write(`following ${opts.channels.join(', ')} on ${client.baseUrl} (peer ${msg.peer_id})\n`) }
            return
          }
          if (msg.type === 'error') { finish(new CliError('internal', `feed error: ${msg.message}`)); return }
          // an event reaches a client once per seq; a reconnecting feed must not print one twice
          const seq = msg.type === 'event' ? msg.data?.seq : msg.type === 'notification' ? msg.event_seq : undefined
          if (seq != null) { if (printed.has(seq)) { return } printed.add(seq); if (printed.size > 10_000) { printed.clear() } }
          const line = describeFeedMessage(msg)
          if (line == null) { return }
          if (opts.json === true) { writeJson(msg) } else { write(fit(line) + '\n') }
          if (opts.count != null && ++seen >= opts.count) { finish() }
        })
        ws.addEventListener('error', () => {
          finish(new CliError('cannot_reach', opened
            ? `the live feed at ${client.baseUrl} failed`
            : `cannot open the live feed at ${client.baseUrl}: is "liberation start" running, and the token right? (see --api, --token)`))
        })
        ws.addEventListener('close', evt => {
          finish(evt.code === 1000 || evt.code === 1005 ? undefined : new CliError('unavailable', `the node closed the live feed (${evt.code}${evt.reason !== '' ? ` ${evt.reason}` : ''})`))
        })
      })
    })
}
