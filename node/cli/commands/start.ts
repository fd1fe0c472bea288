import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { enable as enableLogger } from '@libp2p/logger'
import { InvalidArgumentError } from 'commander'
import { snakeKeys } from '../../api/wire.ts'
import { CHARTER_ENV, loadConfig } from '../../config/index.ts'
import { startNodeRuntime } from '../../runtime.ts'
import { summarize } from './tail.ts'
import type { Command } from 'commander'

/** written by the build next to the CLI bundle (dist/cli/openapi.json); absent when run from sources */
function builtOpenApiDocument (): string | undefined {
  const file = fileURLToPath(new URL('openapi.json', import.meta.url))
  return existsSync(file) ? file : undefined
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

/** a whole number in a range, named by its flag when it is not */
const wholeNumber = (flag: string, min: number, max: number, what = 'a whole number') => (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new InvalidArgumentError(`${flag} must be ${what} from ${min} to ${max}, not "${value}".`)
  }
  return Number(value)
}

/** only flags the user actually typed override the file and env */
function typedFlags (cmd: Command): Record<string, unknown> {
  const opts = cmd.opts()
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(opts)) {
    if (cmd.getOptionValueSource(key) === 'cli') { out[key] = opts[key] }
  }
  if (out.config !== undefined) { delete out.config }
  // charter flags fill the config's `charter` section
  const charter: Record<string, unknown> = {}
  for (const key of Object.values(CHARTER_ENV)) {
    if (out[key] !== undefined) {
      charter[key] = out[key]
      delete out[key]
    }
  }
  if (Object.keys(charter).length > 0) { out.charter = charter }
  return out
}

export function registerStartCommand (program: Command): void {
  program.command('start')
    .description('run a mesh node until SIGINT/SIGTERM')
    .option('-c, --config <file>', 'config file (JSON or YAML)')
    .option('-d, --data-dir <dir>', 'data directory (identity, LevelDB)')
    .option('-l, --listen <multiaddr>', 'listen address (repeatable)', collect)
    .option('-b, --bootstrap <multiaddr>', 'bootstrap peer (repeatable)', collect)
    .option('--no-mdns', 'disable LAN discovery over mDNS')
    .option('--no-dht', 'disable the Kad-DHT')
    .option('--no-relay', 'do not act as a circuit relay for browsers')
    .option('--api-host <host>', 'control API bind address (default 127.0.0.1)')
    .option('--api-port <port>', 'control API port (default 4100, 0 = any)', wholeNumber('--api-port', 0, 65535, 'a port number'))
    .option('--api-token <token>', 'bearer token required by the API on non-loopback binds')
    .option('--min-connections <n>', 'connections to keep at least', wholeNumber('--min-connections', 0, 10_000))
    .option('--max-connections <n>', 'connections to allow at most', wholeNumber('--max-connections', 1, 10_000))
    .option('--log-level <level>', 'silent | error | warn | info | debug')
    .option('--event-history-size <n>', 'events kept in the history, stored (default 1000)', wholeNumber('--event-history-size', 1, 100_000))
    .option('--inbox-size <n>', 'direct messages kept in the inbox, stored (default 1000)', wholeNumber('--inbox-size', 1, 100_000))
    .option('--web', 'serve the web client (a mesh node in a browser tab) at / of the API port')
    .option('--web-ice-servers <url>', 'STUN/TURN url for the web client\'s WebRTC (repeatable)', collect)
    .option('--pool-total <amount>', 'charter: the resource pool every node of the mesh shares (default 19000000000000.00)')
    .option('--max-weekly-flow <amount>', 'charter: the largest weekly flow of a human (default 800.00)')
    .option('--max-housing-credit <amount>', 'charter: the largest housing credit (default 104000.00)')
    .option('--max-investment-pool <amount>', 'charter: the largest investment pool (default 104000.00)')
    .action(async (_opts, cmd: Command) => {
      const config = await loadConfig({ flags: typedFlags(cmd), configFile: cmd.opts().config })
      const runtime = await startNodeRuntime(config, { openapiDocument: builtOpenApiDocument() })
      const { node, api } = runtime
      const out = process.stdout
      out.write(`peer id: ${node.libp2p.peerId.toString()}\n`)
      for (const ma of node.libp2p.getMultiaddrs()) { out.write(`address: ${ma.toString()}\n`) }
      out.write(`api: ${api.url}\n`)
      if (config.web) { out.write(`web: ${api.url}/\n`) }
      out.write(`listening (data dir ${config.dataDir})\n`)
      // the launcher (scripts/build.mjs) held V8's young generation at its initial size
      // while starting; from here it grows with the load again (V8's default factor)
      setFlagsFromString('--semi-space-growth-factor=2')
      if (config.logLevel !== 'silent' && config.logLevel !== 'error' && config.logLevel !== 'warn') {
        // peers may have connected while the API was still starting: report them too
        for (const peer of node.libp2p.getPeers()) { out.write(`peer connected: ${peer.toString()}\n`) }
        // the node's own events: one per change of state (see protocol/mesh-node.ts)
        node.events.addEventListener('event', evt => {
          const e = evt.detail
          if (e.category !== 'mesh' || (e.type !== 'peer:connected' && e.type !== 'peer:disconnected')) { return }
          out.write(`${e.type === 'peer:connected' ? 'peer connected' : 'peer disconnected'}: ${String((e.data as { peerId?: string }).peerId)}\n`)
        })
      }
      if (config.logLevel === 'debug') {
        // every event of every service, one line each, and libp2p's own errors (its debug
        // namespaces; DEBUG=libp2p:* gives all of libp2p)
        node.events.addEventListener('event', evt => {
          const e = evt.detail
          out.write(`debug: ${e.category} ${e.type} ${summarize(snakeKeys(e.data ?? {}))}\n`)
        })
        enableLogger(process.env.DEBUG ?? 'libp2p:*:error')
      }

      await new Promise<void>(resolve => {
        const shutdown = (signal: string): void => {
          out.write(`${signal}: shutting down\n`)
          runtime.stop().then(() => {
            out.write('stopped\n')
            resolve()
            // libp2p leaves debounce timers (identify push, address manager) running for
            // a second or two after stop; everything is closed and flushed by now
            setImmediate(() => process.exit())
          }, err => {
            process.stderr.write(`liberation: shutdown failed: ${err.message}\n`)
            process.exitCode = 1
            resolve()
          })
        }
        process.once('SIGINT', () => { shutdown('SIGINT') })
        process.once('SIGTERM', () => { shutdown('SIGTERM') })
      })
    })
}
