import { defaultDataDir } from '../../config/index.ts'
import { loadIdentity } from '../../identity.ts'
import type { Command } from 'commander'

export function registerIdCommand (program: Command): void {
  program.command('id')
    .description('print the peer id stored in a data dir')
    .option('-d, --data-dir <dir>', 'data directory', defaultDataDir())
    .option('--json', 'machine-readable output')
    .action(async (opts: { dataDir: string, json?: boolean }) => {
      const key = await loadIdentity(opts.dataDir)
      if (key == null) { throw new Error(`no identity in ${opts.dataDir} (run "liberation start" once to create one)`) }
      const { peerIdFromPrivateKey } = await import('@libp2p/peer-id')
      const peerId = peerIdFromPrivateKey(key).toString()
      if (opts.json === true) {
        process.stdout.write(JSON.stringify({ peer_id: peerId, key_type: key.type, data_dir: opts.dataDir }) + '\n')
      } else {
        process.stdout.write(`${peerId}\n`)
      }
    })
}
