import { InvalidArgumentError } from 'commander'
import { CliError, clientCommand, createApiClient, fetchAll, positiveInt } from '../client.ts'
import { formatKeyValues, formatTable, formatTime, moreHint, output, plural } from '../output.ts'
import type { ClientOptions } from '../client.ts'
import type { Command } from 'commander'

const CHANNEL = /^[a-z0-9][a-z0-9-]{0,31}$/

function channel (value: string, previous: string[] = []): string[] {
  if (!CHANNEL.test(value)) { throw new InvalidArgumentError('a channel is 1-32 of a-z, 0-9 and -, starting with a letter or digit.') }
  return [...previous, value]
}

function priority (value: string): number {
  if (!/^[1-5]$/.test(value)) { throw new InvalidArgumentError('priority is a whole number from 1 to 5.') }
  return Number(value)
}

export function registerTruthCommand (program: Command): void {
  const truth = program.command('truth').description('truth messages: post, list, get, channels, subscribe, unsubscribe')

  clientCommand(truth.command('post').description('post a signed truth message from the node').argument('<content>', 'the message text'))
    .option('-p, --priority <1-5>', 'priority, 5 most urgent (default 3)', priority)
    .option('-c, --channel <name>', 'channel (repeatable; default social)', channel)
    .option('-s, --source <text>', 'where it comes from')
    .action(async (content: string, opts: ClientOptions & { priority?: number, channel?: string[], source?: string }) => {
      const client = await createApiClient(opts)
      const m = await client.post('/api/v1/truth/messages', { content, priority: opts.priority, channels: opts.channel, source: opts.source })
      output(opts.json, m, () => {
        const sent = m.recipients.length as number
        return formatKeyValues({
          id: m.id,
          channels: m.channels,
          priority: m.priority,
          // say what happens to a post no connected peer follows yet, rather than look lost
          'sent to': sent > 0
            ? plural(sent, 'peer')
            : `0 peers: no connected peer follows ${(m.channels as string[]).join(', ')} yet; stored here, peers get it when they subscribe and sync`
        })
      })
    })

  clientCommand(truth.command('list').description('stored truth messages, newest first'))
    .option('-c, --channel <name>', 'only this channel', (v: string) => channel(v)[0])
    .option('-n, --limit <n>', 'at most n messages', positiveInt('--limit', 100_000), 20)
    .action(async (opts: ClientOptions & { channel?: string, limit: number }) => {
      const client = await createApiClient(opts)
      const items = await fetchAll<any>(client, '/api/v1/truth/messages', { channel: opts.channel }, opts.limit)
      output(opts.json, items, () => items.length === 0
        ? 'no messages\n'
        : formatTable(items, [
          ['ID', m => String(m.id).slice(0, 12)],
          ['CREATED', m => formatTime(m.created_at)],
          ['PRI', m => m.priority],
          ['CHANNELS', m => m.channels],
          ['SPREAD', m => m.spread],
          ['CONTENT', m => m.content]
        ]) + (items.more ? moreHint(items.length, 'messages', opts.limit) : ''))
    })

  clientCommand(truth.command('get').description('one truth message').argument('<id>', 'message id, or a unique prefix of it (4+ hex characters, as `truth list` shows)'))
    .action(async (id: string, opts: ClientOptions) => {
      if (!/^[0-9a-f]{4,64}$/.test(id)) { throw new CliError('invalid_input', 'a message id is 4 to 64 lowercase hex characters (a unique prefix is enough)', { field: 'id' }) }
      const client = await createApiClient(opts)
      const m = await client.get(`/api/v1/truth/messages/${id}`)
      output(opts.json, m, () => formatKeyValues({ ...m, created_at: formatTime(m.created_at), received_at: formatTime(m.received_at) }))
    })

  for (const [name, method, verb] of [['subscribe', 'post', 'follow'], ['unsubscribe', 'delete', 'leave']] as const) {
    clientCommand(truth.command(name).description(`${verb} a channel: its messages are received and gossiped on`).argument('<channel>', 'channel name', (v: string) => channel(v)[0]))
      .action(async (name: string, opts: ClientOptions) => {
        const client = await createApiClient(opts)
        const path = `/api/v1/truth/channels/${name}/subscribe`
        const r = method === 'post' ? await client.post(path) : await client.delete(path)
        output(opts.json, r, () => `${r.subscribed === true ? 'subscribed to' : 'left'} ${name as string}\n`)
      })
  }

  clientCommand(truth.command('channels').description('channels with reach and conversion rate'))
    .action(async (opts: ClientOptions) => {
      const client = await createApiClient(opts)
      const { items } = await client.get('/api/v1/truth/channels')
      output(opts.json, items, () => formatTable<any>(items, [
        ['CHANNEL', c => c.channel],
        ['SUBSCRIBED', c => c.subscribed ? 'yes' : 'no'],
        ['REACH', c => c.reach],
        ['MESSAGES', c => c.messages],
        ['CONVERSION', c => Number(c.conversion_rate).toFixed(2)]
      ]))
    })
}
