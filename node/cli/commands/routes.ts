import { clientCommand, createApiClient, fetchAll, positiveInt } from '../client.ts'
import { formatTable, output } from '../output.ts'
import type { ClientOptions } from '../client.ts'
import type { Command } from 'commander'

const short = (id: string): string => id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id

export function registerRoutesCommand (program: Command): void {
  clientCommand(program.command('routes').description('routes of a running node to every node it knows'))
    .option('-n, --limit <n>', 'list at most n routes', positiveInt('--limit', 1_000_000), 1000)
    .action(async (opts: ClientOptions & { limit: number }) => {
      const client = await createApiClient(opts)
      const routes = await fetchAll<any>(client, '/api/v1/mesh/routes', {}, opts.limit)
      output(opts.json, routes, () => routes.length === 0
        ? 'no routes\n'
        : formatTable(routes, [
          ['TARGET', r => r.target],
          ['HOPS', r => r.hop_count],
          ['NEXT HOP', r => short(r.next_hop)],
          ['LATENCY MS', r => Number(r.total_latency_ms).toFixed(1)],
          ['RELIABILITY', r => Number(r.reliability).toFixed(3)],
          ['KIND', r => r.kind],
          ['PATH', r => r.complete === true ? r.path.map(short).join(' > ') : `${short(r.path[0])} > ${short(r.next_hop)} > … > ${short(r.target)}`]
        ]))
    })
}
