import { InvalidArgumentError } from 'commander'
import { CliError, clientCommand, createApiClient, positiveInt } from '../client.ts'
import { formatTime, writeJson, write } from '../output.ts'
import type { ClientOptions } from '../client.ts'
import type { Command } from 'commander'

const CHANNELS = ['resources', 'truth', 'mesh', 'notifications', 'metrics', 'events']

function channelList (value: string): string[] {
  const list = value.split(',').map(s => s.trim()).filter(s => s !== '')
  const bad = list.find(c => !CHANNELS.includes(c))
  if (list.length === 0 || bad != null) throw new InvalidArgumentError(`unknown channel "${bad ?? ''}" (channels: ${CHANNELS.join(', ')}).`)
  return list
}

/** one readable line per feed message */
export function describeFeedMessage (msg: any): string | undefined {
  switch (msg.type) {
    case 'event': {
      const e = msg.data
      return `${formatTime(e.timestamp)} ${msg.channel} ${e.type} ${JSON.stringify(e.data)}`
    }
    case 'notification': {
      const n = msg.data
      return `${formatTime(n.created_at)} notifications [${n.priority}] ${n.title}${n.message !== '' ? ` - ${n.message}` : ''}`
    }
    case 'metrics_update':
      return `${formatTime(msg.data.timestamp)} metrics ${JSON.stringify(msg.data)}`
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
        let opened = false
        let done = false
        const finish = (err?: Error): void => {
          if (done) return
          done = true
          process.off('SIGINT', onSignal)
          process.off('SIGTERM', onSignal)
          if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000)
          if (err != null) reject(err)
          else resolve()
        }
        const onSignal = (): void => { finish() }
        process.once('SIGINT', onSignal)
        process.once('SIGTERM', onSignal)
        ws.addEventListener('open', () => { opened = true })
        ws.addEventListener('message', evt => {
          let msg: any
          try { msg = JSON.parse(String(evt.data)) } catch { return }
          if (msg.type === 'welcome') {
            if (opts.json !== true) process.stderr.write(`following ${opts.channels.join(', ')} on ${client.baseUrl} (peer ${msg.peer_id})\n`)
            return
          }
          if (msg.type === 'error') { finish(new CliError('internal', `feed error: ${msg.message}`)); return }
          const line = describeFeedMessage(msg)
          if (line == null) return
          if (opts.json === true) writeJson(msg)
          else write(line + '\n')
          if (opts.count != null && ++seen >= opts.count) finish()
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
