import { clientCommand, createApiClient } from '../client.ts'
import { formatKeyValues, output } from '../output.ts'
import type { ClientOptions } from '../client.ts'
import type { Command } from 'commander'

export function registerSendCommand (program: Command): void {
  clientCommand(program.command('send')
    .description('deliver a text message to any reachable node (hop by hop if not connected) and wait for its acknowledgement')
    .argument('<peer>', 'peer id of the destination node')
    .argument('<text>', 'the message'))
    .action(async (peer: string, text: string, opts: ClientOptions) => {
      const client = await createApiClient(opts)
      const r = await client.post('/api/v1/mesh/send', { target: peer, payload: text })
      output(opts.json, r, () => formatKeyValues({
        delivered: r.id,
        hops: r.hops,
        path: r.path.join(' > '),
        'round trip': `${Number(r.latency_ms).toFixed(1)} ms`,
        attempts: r.attempts
      }))
    })
}
