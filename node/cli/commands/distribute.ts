import { InvalidArgumentError, Option } from 'commander'
import { clientCommand, createApiClient } from '../client.ts'
import { formatKeyValues, formatMoney, nextWeekStart, output, plural } from '../output.ts'
import type { ClientOptions } from '../client.ts'
import type { Command } from 'commander'

const collectId = (value: string, previous: string[] = []): string[] => {
  if (!/^[A-Za-z0-9_.@-]{1,128}$/.test(value)) { throw new InvalidArgumentError('a human id is 1-128 of A-Z a-z 0-9 _ . @ -.') }
  return [...previous, value]
}

export function registerDistributeCommand (program: Command): void {
  clientCommand(program.command('distribute')
    .description('pay this ISO week\'s flow to every active human not yet paid this week (at most once per week, mesh-wide)'))
    .option('-H, --human <id>', 'only this human (repeatable)', collectId)
    // gone: the mesh counts a payment only when it is the human's weekly flow, so the
    // node refused every override; kept hidden to say so instead of "unknown option"
    .addOption(new Option('--amount <amount>').hideHelp().argParser(() => {
      throw new InvalidArgumentError('--amount is no longer accepted: a payment is always the human\'s weekly flow as its registrar set it (any other amount counts nowhere on the mesh); run `liberation distribute` without it.')
    }))
    .action(async (opts: ClientOptions & { human?: string[] }) => {
      const client = await createApiClient(opts)
      const r = await client.post('/api/v1/distribute', { human_ids: opts.human })
      output(opts.json, r, () => {
        const next = nextWeekStart(r.week)
        const lines: Record<string, unknown> = {
          week: r.week,
          paid: plural(r.paid, 'human'),
          total: formatMoney(r.total),
          'already paid': plural(r.skipped.already_paid, 'human'),
          inactive: plural(r.skipped.inactive, 'human'),
          'remaining wealth': formatMoney(r.remaining_wealth)
        }
        // nothing paid because everyone was paid this week: say when the next one is due
        if (r.paid === 0 && r.skipped.already_paid > 0 && next != null) { lines['next due'] = `${next.week} (from Monday ${next.monday} UTC)` }
        return formatKeyValues(lines)
      })
    })
}
