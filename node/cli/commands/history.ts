import { InvalidArgumentError } from 'commander'
import { clientCommand, createApiClient, fetchAll, positiveInt } from '../client.ts'
import { formatMoney, formatTable, formatTime, moreHint, output } from '../output.ts'
import type { ClientOptions } from '../client.ts'
import type { Command } from 'commander'

export function registerHistoryCommand (program: Command): void {
  clientCommand(program.command('history').description('distribution history: the payments, by week and human'))
    .option('-H, --human <id>', 'only this human\'s payments')
    .option('-w, --week <week>', 'only this ISO week, like 2026-W49', (v: string) => {
      if (!/^\d{4}-W\d{2}$/.test(v)) { throw new InvalidArgumentError('a week is like 2026-W49.') }
      return v
    })
    .option('-n, --limit <n>', 'at most n payments', positiveInt('--limit', 1_000_000), 50)
    .action(async (opts: ClientOptions & { human?: string, week?: string, limit: number }) => {
      const client = await createApiClient(opts)
      const items = await fetchAll<any>(client, '/api/v1/distribution/history', { human_id: opts.human, week: opts.week }, opts.limit)
      output(opts.json, items, () => items.length === 0
        ? 'no payments\n'
        : formatTable(items, [
          ['WEEK', t => t.week],
          ['HUMAN', t => t.human_id],
          ['AMOUNT', t => formatMoney(t.amount)],
          ['TYPE', t => t.type],
          ['PAID AT', t => formatTime(t.timestamp)],
          ['BY', t => t.author]
        ]) + (items.more ? moreHint(items.length, 'payments', opts.limit) : ''))
    })
}
