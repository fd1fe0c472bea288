/**
 * Node configuration: defaults < config file < environment (`LIBERATION_*`) < CLI flags,
 * validated with zod. A bad value is reported as one line naming the key.
 */
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { z } from 'zod'
import { TASK_NAMES, taskSettingsPatchSchema } from '../../protocol/automation/index.ts'
import { MeshError } from '../../protocol/errors.ts'
import { createCharter } from '../../protocol/ledger/charter.ts'

const AUTOMATION_TASKS = Object.values(TASK_NAMES)

/** the `automation` section: per-task settings (see docs/automation.md), backups, health thresholds */
const automationSchema = z.object({
  enabled: z.boolean(),
  tasks: z.object(Object.fromEntries(AUTOMATION_TASKS.map(name => [name, taskSettingsPatchSchema.optional()]))).strict(),
  backupDir: z.string().min(1),
  backupKeep: z.number().int().min(1).max(1000),
  health: z.object({
    lagMs: z.number().int().min(1),
    memoryShare: z.number().gt(0).max(1),
    diskShare: z.number().min(0).max(1),
    diskEmergencyBytes: z.number().int().min(0),
    syncLagMs: z.number().int().min(1),
    distributionOverdueMs: z.number().int().min(1)
  }).partial().strict()
}).partial().strict()

const amountString = z.string().regex(/^\d{1,17}(\.\d{1,2})?$/, 'must be an amount like "800.00"')

/**
 * the `charter` section: the ledger parameters every node of one mesh shares (see
 * docs/ledger-rules.md); nodes with different charters do not exchange ledger data
 */
const charterSchema = z.object({
  poolTotal: amountString,
  maxWeeklyFlow: amountString,
  maxHousingCredit: amountString,
  maxInvestmentPool: amountString
}).partial().strict().superRefine((c, ctx) => {
  try {
    createCharter(c)
  } catch (err: any) {
    ctx.addIssue({ code: 'custom', message: err.message })
  }
})

const multiaddrString = z.string().refine(s => {
  try { multiaddr(s); return s.startsWith('/') } catch { return false }
}, { message: 'not a valid multiaddr' })

export const configSchema = z.object({
  dataDir: z.string().min(1),
  listen: z.array(multiaddrString),
  bootstrap: z.array(multiaddrString.refine(s => /\/p2p\/[1-9A-HJ-NP-Za-km-z]{40,}/.test(s), {
    message: 'a bootstrap address must end in /p2p/<peer id> (the id `liberation start` prints), e.g. /ip4/192.0.2.1/tcp/4101/p2p/12D3KooW…'
  })),
  mdns: z.boolean(),
  dht: z.boolean(),
  relay: z.boolean(),
  apiHost: z.union([z.ipv4(), z.ipv6(), z.literal('localhost')], { message: 'not an IP address' }),
  apiPort: z.number().int().min(0).max(65535),
  apiToken: z.string().min(16, 'must be at least 16 characters').optional(),
  corsOrigins: z.array(z.string().url()),
  minConnections: z.number().int().min(0).max(10_000),
  maxConnections: z.number().int().min(1).max(10_000),
  logLevel: z.enum(['silent', 'error', 'warn', 'info', 'debug']),
  /** events kept in the history (/events), in memory and in the store; the oldest go first */
  eventHistorySize: z.number().int().min(1).max(100_000),
  /** direct messages kept in the inbox (/mesh/messages), in memory and in the store; the oldest go first */
  inboxSize: z.number().int().min(1).max(100_000),
  /** serve the web client (dist/web) at / of the API port */
  web: z.boolean(),
  /** STUN/TURN urls the served web client uses for WebRTC; absent = the browser's defaults */
  webIceServers: z.array(z.string().regex(/^(stun|turns?):\S+$/, 'must be stun:, turn: or turns: urls')).optional(),
  /** scheduled tasks: weekly distribution, compaction, housekeeping, health checks, backups */
  automation: automationSchema.optional(),
  /** the mesh charter: pool total and record maxima; absent keys take the defaults */
  charter: charterSchema.optional()
}).strict().superRefine((c, ctx) => {
  if (c.minConnections > c.maxConnections) {
    ctx.addIssue({ code: 'custom', path: ['minConnections'], message: `must not exceed maxConnections (${c.maxConnections})` })
  }
})

export type NodeConfig = z.infer<typeof configSchema>

export function defaultDataDir (): string {
  return process.env.LIBERATION_DATA_DIR ?? join(homedir(), '.liberation')
}

export function defaultConfig (): NodeConfig {
  return {
    dataDir: defaultDataDir(),
    listen: ['/ip4/0.0.0.0/tcp/4101', '/ip4/0.0.0.0/tcp/4102/ws'],
    bootstrap: [],
    mdns: true,
    dht: true,
    relay: true,
    apiHost: '127.0.0.1',
    apiPort: 4100,
    corsOrigins: [],
    minConnections: 4,
    maxConnections: 64,
    logLevel: 'info',
    eventHistorySize: 1000,
    inboxSize: 1000,
    web: false
  }
}

export class ConfigError extends MeshError {
  override name = 'ConfigError'
  readonly key: string
  constructor (key: string, message: string) {
    super('invalid_input', `invalid config: ${key}: ${message}`, { field: key })
    this.key = key
  }
}

type Partialish = Record<string, unknown>

/** keys of the `charter` section, by environment variable and by CLI flag (camelCase) */
export const CHARTER_ENV: Record<string, keyof NonNullable<NodeConfig['charter']>> = {
  LIBERATION_POOL_TOTAL: 'poolTotal',
  LIBERATION_MAX_WEEKLY_FLOW: 'maxWeeklyFlow',
  LIBERATION_MAX_HOUSING_CREDIT: 'maxHousingCredit',
  LIBERATION_MAX_INVESTMENT_POOL: 'maxInvestmentPool'
}

const ENV_KEYS: Record<string, { key: keyof NodeConfig, kind: 'string' | 'list' | 'bool' | 'int' }> = {
  LIBERATION_DATA_DIR: { key: 'dataDir', kind: 'string' },
  LIBERATION_LISTEN: { key: 'listen', kind: 'list' },
  LIBERATION_BOOTSTRAP: { key: 'bootstrap', kind: 'list' },
  LIBERATION_MDNS: { key: 'mdns', kind: 'bool' },
  LIBERATION_DHT: { key: 'dht', kind: 'bool' },
  LIBERATION_RELAY: { key: 'relay', kind: 'bool' },
  LIBERATION_API_HOST: { key: 'apiHost', kind: 'string' },
  LIBERATION_API_PORT: { key: 'apiPort', kind: 'int' },
  LIBERATION_API_TOKEN: { key: 'apiToken', kind: 'string' },
  LIBERATION_CORS_ORIGINS: { key: 'corsOrigins', kind: 'list' },
  LIBERATION_MIN_CONNECTIONS: { key: 'minConnections', kind: 'int' },
  LIBERATION_MAX_CONNECTIONS: { key: 'maxConnections', kind: 'int' },
  LIBERATION_LOG_LEVEL: { key: 'logLevel', kind: 'string' },
  LIBERATION_EVENT_HISTORY_SIZE: { key: 'eventHistorySize', kind: 'int' },
  LIBERATION_INBOX_SIZE: { key: 'inboxSize', kind: 'int' },
  LIBERATION_WEB: { key: 'web', kind: 'bool' },
  LIBERATION_WEB_ICE_SERVERS: { key: 'webIceServers', kind: 'list' }
}

/** Environment values are strings: convert them, keeping unparsable ones for zod to name. */
export function configFromEnv (env: NodeJS.ProcessEnv): Partialish {
  const out: Partialish = {}
  for (const [name, { key, kind }] of Object.entries(ENV_KEYS)) {
    const raw = env[name]
    if (raw == null || raw === '') { continue }
    switch (kind) {
      case 'string': out[key] = raw; break
      case 'list': out[key] = raw.split(',').map(s => s.trim()).filter(s => s.length > 0); break
      case 'bool':
        if (/^(1|true|yes|on)$/i.test(raw)) { out[key] = true } else if (/^(0|false|no|off)$/i.test(raw)) { out[key] = false } else { throw new ConfigError(key, `${name}=${raw} is not a boolean`) }
        break
      case 'int':
        if (!/^-?\d+$/.test(raw)) { throw new ConfigError(key, `${name}=${raw} is not an integer`) }
        out[key] = Number(raw)
        break
      default:
        throw new Error(`unknown kind of environment value ${kind as string}`)
    }
  }
  const charter: Partialish = {}
  for (const [name, key] of Object.entries(CHARTER_ENV)) {
    const raw = env[name]
    if (raw != null && raw !== '') { charter[key] = raw }
  }
  if (Object.keys(charter).length > 0) { out.charter = charter }
  return out
}

export async function configFromFile (path: string): Promise<Partialish> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err: any) {
    throw new ConfigError('config', `cannot read ${path}: ${err.code ?? err.message}`)
  }
  let parsed: unknown
  try {
    // YAML support is loaded only when a YAML file is used: it is not small
    parsed = path.endsWith('.json') ? JSON.parse(text) : (await import('yaml')).parse(text)
  } catch (err: any) {
    throw new ConfigError('config', `${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${String(err.message).split('\n')[0]}`)
  }
  if (parsed == null) { return {} }
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError('config', `${path} must hold an object of settings`)
  }
  return parsed as Partialish
}

export interface LoadConfigOptions {
  /** values from CLI flags (undefined = not given) */
  flags?: Partialish
  env?: NodeJS.ProcessEnv
  /** explicit config file; otherwise `<dataDir>/config.{json,yaml}` if present */
  configFile?: string
}

export async function loadConfig (opts: LoadConfigOptions = {}): Promise<NodeConfig> {
  const env = opts.env ?? process.env
  const flags = stripUndefined(opts.flags ?? {})
  const fromEnv = configFromEnv(env)
  const configFile = opts.configFile ?? env.LIBERATION_CONFIG
  const fromFile = configFile != null ? await configFromFile(configFile) : {}
  const merged: Partialish = { ...defaultConfig(), ...fromFile, ...fromEnv, ...flags }
  // the charter section merges key by key: an env value or flag overrides one maximum, not all
  const charters = [fromFile.charter, fromEnv.charter, flags.charter]
  if (charters.some(c => c !== undefined)) {
    merged.charter = charters.some(c => c !== undefined && (typeof c !== 'object' || c === null || Array.isArray(c)))
      ? fromFile.charter
      : Object.assign({}, ...charters.filter(c => c !== undefined))
  }
  return validateConfig(merged)
}

export function validateConfig (value: unknown): NodeConfig {
  const result = configSchema.safeParse(value)
  if (!result.success) {
    const issue = result.error.issues[0]
    const path = issue.path.map(String)
    const key = path.length > 0 ? path.join('.') : 'config'
    if (issue.code === 'unrecognized_keys') {
      // nested unknown keys are named with their section: automation.tasks.nightly
      const unknownKey = [...path, issue.keys[0]].join('.')
      const message = path.join('.') === 'automation.tasks'
        ? `unknown automation task ${issue.keys[0]} (tasks: ${AUTOMATION_TASKS.join(', ')})`
        : `unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
      throw new ConfigError(unknownKey, message)
    }
    throw new ConfigError(key, issue.message)
  }
  const automation = result.data.automation
  return {
    ...result.data,
    dataDir: resolve(result.data.dataDir),
    ...(automation?.backupDir != null ? { automation: { ...automation, backupDir: resolve(automation.backupDir) } } : {})
  }
}

function stripUndefined (o: Partialish): Partialish {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
}
