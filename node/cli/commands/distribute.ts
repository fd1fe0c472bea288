import { InvalidArgumentError } from 'commander'
import { clientCommand, createApiClient } from '../client.ts'
import { formatKeyValues, output } from '../output.ts'
import { amount } from './humans.ts'
import type { ClientOptions } from '../client.ts'
import type { Command } from 'commander'

const collectId = (value: string, previous: string[] = []): string[] => {
  if (!/^[A-Za-z0-9_.@-]{1,128}$/.test(value)) throw new InvalidArgumentError('a human id is 1-128 of A-Z a-z 0-9 _ . @ -.')
  return [...previous, value]
}

export function registerDistributeCommand (program: Command): void {
  clientCommand(program.command('distribute')
    .description('pay this ISO week\'s flow to every active human not yet paid this week (at most once per week, mesh-wide)'))
    .option('-H, --human <id>', 'only this human (repeatable)', collectId)
    .option('--amount <amount>', 'pay this amount instead of each human\'s weekly flow', amount('--amount'))
    .action(async (opts: ClientOptions & { human?: string[], amount?: string }) => {
      const client = await createApiClient(opts)
      const r = await client.post('/api/v1/distribute', { human_ids: opts.human, amount_override: opts.amount })
      output(opts.json, r, () => formatKeyValues({
        week: r.week,
        paid: `${r.paid as number} humans`,
        total: r.total,
        'already paid': r.skipped.already_paid,
        inactive: r.skipped.inactive,
        'remaining wealth': r.remaining_wealth
      }))
    })
}
