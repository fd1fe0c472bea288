import { InvalidArgumentError } from 'commander'
import { clientCommand, createApiClient, fetchAll, positiveInt } from '../client.ts'
import { formatKeyValues, formatMoney, formatTable, moreHint, output } from '../output.ts'
import type { ClientOptions } from '../client.ts'
import type { Command } from 'commander'

const HUMAN_ID = /^[A-Za-z0-9_.@-]{1,128}$/

export function amount (name: string): (value: string) => string {
  return (value: string) => {
    if (!/^\d{1,13}(\.\d{1,2})?$/.test(value)) { throw new InvalidArgumentError(`${name} is an amount like 800 or 800.50 (no sign, at most two decimals).`) }
    return value
  }
}

function humanId (value: string): string {
  if (!HUMAN_ID.test(value)) { throw new InvalidArgumentError('a human id is 1-128 of A-Z a-z 0-9 _ . @ -.') }
  return value
}

function humanRow (h: any): Record<string, unknown> {
  return {
    id: h.id,
    status: h.status,
    'weekly flow': formatMoney(h.weekly_flow),
    'housing credit': formatMoney(h.housing_credit),
    'investment pool': formatMoney(h.investment_pool),
    'total received': formatMoney(h.total_received),
    // payments recorded for it that the pool cannot cover: shown, never counted
    unfunded: h.unfunded_payments > 0 ? `${formatMoney(h.unfunded)} (${h.unfunded_payments as number} payment${h.unfunded_payments === 1 ? '' : 's'})` : '-',
    'last distribution': h.last_distribution_week ?? '-',
    'registered by': h.registered_by,
    registrars: h.registrars
  }
}

export function registerHumansCommand (program: Command): void {
  const humans = program.command('humans').description('humans in the resource pool: add, list, show, deactivate, activate')

  clientCommand(humans.command('add').description('register a human (no verification)').argument('<id>', 'the human\'s id', humanId))
    .option('--weekly-flow <amount>', 'weekly flow (default 800.00)', amount('--weekly-flow'))
    .option('--housing-credit <amount>', 'housing credit (default 104000.00)', amount('--housing-credit'))
    .option('--investment-pool <amount>', 'investment pool (default 104000.00)', amount('--investment-pool'))
    .option('--inactive', 'register as inactive')
    .action(async (id: string, opts: ClientOptions & { weeklyFlow?: string, housingCredit?: string, investmentPool?: string, inactive?: boolean }) => {
      const client = await createApiClient(opts)
      const h = await client.post('/api/v1/humans', {
        id,
        weekly_flow: opts.weeklyFlow,
        housing_credit: opts.housingCredit,
        investment_pool: opts.investmentPool,
        status: opts.inactive === true ? 'inactive' : undefined
      })
      output(opts.json, h, () => formatKeyValues(humanRow(h)))
    })

  clientCommand(humans.command('list').description('humans by id'))
    .option('--status <status>', 'active or inactive', (v: string) => {
      if (v !== 'active' && v !== 'inactive') { throw new InvalidArgumentError('status is active or inactive.') }
      return v
    })
    .option('-n, --limit <n>', 'at most n humans', positiveInt('--limit', 1_000_000), 100)
    .action(async (opts: ClientOptions & { status?: string, limit: number }) => {
      const client = await createApiClient(opts)
      const items = await fetchAll<any>(client, '/api/v1/humans', { status: opts.status }, opts.limit)
      output(opts.json, items, () => items.length === 0
        ? 'no humans\n'
        : formatTable(items, [
          ['ID', h => h.id],
          ['STATUS', h => h.status],
          ['WEEKLY FLOW', h => formatMoney(h.weekly_flow)],
          ['RECEIVED', h => formatMoney(h.total_received)],
          ['UNFUNDED', h => h.unfunded_payments > 0 ? formatMoney(h.unfunded) : '-'],
          ['LAST PAID', h => h.last_distribution_week],
          ['REGISTRAR', h => String(h.registered_by).slice(-8)]
        ]) + (items.more ? moreHint(items.length, 'humans', opts.limit) : ''))
    })

  clientCommand(humans.command('show').description('one human').argument('<id>', 'the human\'s id', humanId))
    .action(async (id: string, opts: ClientOptions) => {
      const client = await createApiClient(opts)
      const h = await client.get(`/api/v1/humans/${encodeURIComponent(id)}`)
      output(opts.json, h, () => formatKeyValues(humanRow(h)))
    })

  clientCommand(humans.command('deactivate').description('deactivate a human this node registered').argument('<id>', 'the human\'s id', humanId))
    .action(async (id: string, opts: ClientOptions) => {
      const client = await createApiClient(opts)
      const h = await client.delete(`/api/v1/humans/${encodeURIComponent(id)}`)
      output(opts.json, h, () => formatKeyValues(humanRow(h)))
    })

  clientCommand(humans.command('activate').description('activate again a human this node registered').argument('<id>', 'the human\'s id', humanId))
    .action(async (id: string, opts: ClientOptions) => {
      const client = await createApiClient(opts)
      const h = await client.post(`/api/v1/humans/${encodeURIComponent(id)}/activate`)
      output(opts.json, h, () => formatKeyValues(humanRow(h)))
    })
}
