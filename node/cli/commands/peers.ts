import { clientCommand, createApiClient, fetchAll, positiveInt } from '../client.ts'
import { formatTable, output } from '../output.ts'
import type { ClientOptions } from '../client.ts'
import type { Command } from 'commander'

/** why each connected peer's health is what it is: its weak parts, worst first, uncut */
function healthReasons (peers: any[]): string {
  const lines = peers
    .filter(p => p.status === 'connected' && Array.isArray(p.link?.health_reasons) && p.link.health_reasons.length > 0)
    .map(p => `  ${String(p.peer_id)}: ${(p.link.health_reasons as string[]).join('; ')}\n`)
  return lines.length === 0 ? '' : `\nhealth reasons (weakest first):\n${lines.join('')}`
}

export function registerPeersCommand (program: Command): void {
  clientCommand(program.command('peers').description('peers of a running node'))
    .option('-a, --all', 'also peers known but not connected')
    .option('-n, --limit <n>', 'list at most n peers', positiveInt('--limit', 100_000), 1000)
    .action(async (opts: ClientOptions & { all?: boolean, limit: number }) => {
      const client = await createApiClient(opts)
      const peers = await fetchAll<any>(client, '/api/v1/mesh/peers', { include_known: opts.all === true }, opts.limit)
      output(opts.json, peers, () => peers.length === 0
        ? 'no peers\n'
        : formatTable(peers, [
          ['PEER ID', p => p.peer_id],
          ['STATUS', p => p.status],
          ['CONNS', p => p.connection_count],
          ['RTT MS', p => p.link?.rtt_ms != null ? Number(p.link.rtt_ms).toFixed(1) : p.connections?.[0]?.rtt_ms],
          ['HEALTH', p => p.link?.health != null ? Number(p.link.health).toFixed(2) : undefined],
          ['LOSS', p => p.link?.loss != null ? Number(p.link.loss).toFixed(2) : undefined],
          ['ADDRESS', p => p.connections?.[0]?.remote_addr ?? p.addresses?.[0]],
          // the weakest part of the health; all of them are listed under the table
          ['WHY', p => Array.isArray(p.link?.health_reasons) ? (p.link.health_reasons[0] ?? 'good') : undefined]
        ]) + healthReasons(peers))
    })
}
