import { clientCommand, createApiClient, fetchAll, positiveInt } from '../client.ts'
import { formatTable, formatTime, moreHint, output } from '../output.ts'
import type { ClientOptions } from '../client.ts'
import type { Command } from 'commander'

export function registerInboxCommand (program: Command): void {
  clientCommand(program.command('inbox').description('direct messages this node received (`liberation send` from other nodes), oldest first'))
    .option('--from <peer>', 'only from this peer id')
    .option('-n, --limit <n>', 'at most n messages', positiveInt('--limit', 100_000), 50)
    .action(async (opts: ClientOptions & { from?: string, limit: number }) => {
      const client = await createApiClient(opts)
      const items = await fetchAll<any>(client, '/api/v1/mesh/messages', { from: opts.from }, opts.limit)
      output(opts.json, items, () => items.length === 0
        ? 'no direct messages\n'
        : formatTable(items, [
          ['RECEIVED', m => formatTime(m.received_at)],
          ['FROM', m => m.from],
          ['HOPS', m => m.hops],
          ['MESSAGE', m => m.encoding === 'utf8' ? m.payload : `(base64) ${String(m.payload)}`]
        ]) + (items.more ? moreHint(items.length, 'messages', opts.limit) : ''))
    })
}
