import { clientCommand, createApiClient } from '../client.ts'
import { formatDuration, formatKeyValues, formatMoney, output } from '../output.ts'
import type { ClientOptions } from '../client.ts'
import type { Command } from 'commander'

/** amounts grouped ("18,999,999,998,400.00"), counts grouped, fractions to two decimals (not cut) */
function figure (v: unknown): unknown {
  if (typeof v === 'string' && /^\d+\.\d{2}$/.test(v)) { return formatMoney(v) }
  if (typeof v === 'number') { return v.toLocaleString('en-US', { maximumFractionDigits: 2 }) }
  return v
}

export function registerStatusCommand (program: Command): void {
  clientCommand(program.command('status').description('health and statistics of a running node'))
    .action(async (opts: ClientOptions) => {
      const client = await createApiClient(opts)
      const [health, stats] = await Promise.all([client.get('/api/v1/health'), client.get('/api/v1/stats')])
      output(opts.json, { health, stats }, () => {
        const { uptime, peer_id: _peerId, ...rest } = stats
        return formatKeyValues({
          'peer id': health.peer_id,
          status: health.status,
          // what makes it degraded, by name (an unreachable bootstrap address, ...)
          ...(Array.isArray(health.problems) && health.problems.length > 0 ? { problems: health.problems.join('; ') } : {}),
          uptime: formatDuration(Number(uptime)),
          api: client.baseUrl,
          ...Object.fromEntries(Object.entries(rest).map(([k, v]) => [k.replace(/_/g, ' '), figure(v)]))
        })
      })
    })
}
