/**
 * `npm run sim -- <scenario> [flags]`: run a scenario file (or a standard one by name,
 * from simulations/scenarios/) and print a one-screen summary; the JSON report and the
 * plots go to the output folder.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { Command, InvalidArgumentError } from 'commander'
import { wallDateNow, wallNow } from './clock/wall.ts'
import { renderCluster } from './cluster/render.ts'
import { writeCluster } from './cluster/write.ts'
import { readAttachFile } from './launchers/attach.ts'
import { createProgressBar } from './progress.ts'
import { runScenario } from './run.ts'
import { ScenarioError, loadScenario, standardScenarioDir } from './scenario.ts'
import type { Progress } from './progress.ts'
import type { ScenarioOverrides } from './scenario.ts'

const int = (name: string) => (v: string): number => {
  if (!/^\d+$/.test(v)) { throw new InvalidArgumentError(`${name} must be a whole number`) }
  return Number(v)
}
const num = (name: string) => (v: string): number => {
  const n = Number(v)
  if (v.trim() === '' || !Number.isFinite(n)) { throw new InvalidArgumentError(`${name} must be a number`) }
  return n
}
const meshDegrees = (v: string): { D: number, Dlo: number, Dhi: number } => {
  const parts = v.split(',')
  if (parts.length !== 3 || parts.some(p => !/^\d+$/.test(p.trim()))) { throw new InvalidArgumentError('--gossip must be three whole numbers: D,Dlo,Dhi') }
  const [D, Dlo, Dhi] = parts.map(Number)
  return { D, Dlo, Dhi }
}
/** numbers are ms; strings like 2s pass through to the scenario's own check */
const time = (v: string): number | string => /^\d+(\.\d+)?$/.test(v) ? Number(v) : v

function listScenarios (): string {
  try {
    return readdirSync(standardScenarioDir()).filter(f => /\.(ya?ml|json)$/.test(f)).map(f => f.replace(/\.(ya?ml|json)$/, '')).sort().join(', ')
  } catch {
    return '(none found)'
  }
}

const program = new Command()
  .name('sim')
  .description('Run a Liberation mesh simulation scenario')
  .argument('<scenario>', `a scenario file (JSON or YAML) or a standard scenario: ${listScenarios()}`)
  .option('-n, --nodes <n>', 'node count', int('--nodes'))
  .option('-s, --seed <seed>', 'seed (same seed = same topology and schedule)')
  .option('-m, --mode <mode>', 'in-process | multi-process | cluster (render Kubernetes manifests)')
  .option('--image <image>', 'cluster: the node image built from the Dockerfile (registry/name:tag)')
  .option('--namespace <ns>', 'cluster: the namespace to render into', 'liberation-sim')
  .option('--netem-image <image>', 'cluster: an image with tc (iproute2) for link latency')
  .option('--attach <nodes.json>', 'drive nodes that are already running (their API URLs and peer ids; what --mode cluster renders), token from LIBERATION_API_TOKEN')
  .option('--clock <clock>', 'virtual | real (in-process: simulated clock, or the wall clock)')
  .option('-t, --topology <kind>', 'line | ring | star | full | random | clustered | edges')
  .option('-k, --degree <k>', 'degree (random, clustered)', int('--degree'))
  .option('--latency <ms>', 'one-way link latency', time)
  .option('--jitter <ms>', 'link jitter (±)', time)
  .option('--loss <ratio>', 'chunk loss ratio 0..0.5 (shows as retransmission delay)', num('--loss'))
  .option('--messages <n>', 'truth messages to post', int('--messages'))
  .option('--rate <n>', 'truth posts per second', num('--rate'))
  .option('--duration <ms>', 'workload duration', time)
  .option('--settle <ms>', 'longest wait for delivery and convergence after the workload', time)
  .option('--encryption <kind>', 'noise | plaintext (sim-only, cheaper)')
  .option('--storage <kind>', 'memory | leveldb')
  .option('--gossip <D,Dlo,Dhi>', 'gossipsub mesh degrees, e.g. 4,3,6', meshDegrees)
  .option('-o, --out <dir>', 'output folder (default simulations/results/<name>-<time>)')
  .option('--no-plots', 'skip the SVG plots')
  .option('--raw', 'also write the raw record (every delivery)')
  .option('--json', 'print the JSON report instead of the summary')
  .option('-q, --quiet', 'no progress bar')
  .action(async (name: string, flags: Record<string, any>) => {
    const overrides: ScenarioOverrides = {
      nodes: flags.nodes,
      seed: flags.seed == null ? undefined : /^-?\d+$/.test(flags.seed) ? Number(flags.seed) : flags.seed,
      mode: flags.mode,
      clock: flags.clock,
      topology: flags.topology,
      degree: flags.degree,
      latency: flags.latency,
      jitter: flags.jitter,
      loss: flags.loss,
      messages: flags.messages,
      rate: flags.rate,
      duration: flags.duration,
      settle: flags.settle,
      encryption: flags.encryption,
      storage: flags.storage,
      gossip: flags.gossip
    }
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)
    if (flags.mode === 'cluster') {
      // the scenario's own checks, minus the in-process/multi-process specifics; cluster ones follow
      const scenario = loadScenario(name, { ...overrides, mode: 'in-process', clock: 'real' })
      if (flags.image == null) { throw new ScenarioError('--mode cluster needs --image <registry/name:tag> (build it from the Dockerfile and push it)') }
      const outDir = flags.out ?? join('simulations', 'results', `${scenario.name}-cluster-${stamp}`)
      const rendered = await renderCluster(scenario, { image: flags.image, namespace: flags.namespace, netemImage: flags.netemImage })
      const written = await writeCluster(rendered, outDir, scenario.nodes)
      process.stdout.write(`rendered ${scenario.nodes} nodes into ${outDir}:\n  ${written.files.join('\n  ')}\nthen:\n${written.instructions}\n`)
      return
    }
    const attach = flags.attach != null ? await readAttachFile(flags.attach) : undefined
    // attached nodes run on the wall clock, whatever the scenario file says
    const scenario = loadScenario(name, attach != null ? { ...overrides, clock: 'real' } : overrides)
    const outDir = flags.out ?? join('simulations', 'results', `${scenario.name}-${stamp}`)
    const bar = flags.quiet === true || flags.json === true ? undefined : createProgressBar()
    // quiet runs still say where they are, once a (real) minute: long runs go to log files
    let lastLine = wallNow()
    const quietProgress = (p: Progress): void => {
      if (flags.json === true || wallNow() - lastLine < 60_000) { return }
      lastLine = wallNow()
      process.stderr.write(`${new Date(wallDateNow()).toISOString()} ${p.phase} ${Math.round(p.done)}/${Math.round(p.total)} t=${Math.round(p.t)} ms${p.expected != null ? ` held ${p.delivered}/${p.expected}` : ''} rss ${Math.round(process.memoryUsage.rss() / 1024 / 1024)} MB\n`)
    }
    const result = await runScenario(scenario, {
      outDir,
      plots: flags.plots,
      raw: flags.raw,
      attach,
      token: process.env.LIBERATION_API_TOKEN != null && process.env.LIBERATION_API_TOKEN !== '' ? process.env.LIBERATION_API_TOKEN : undefined,
      onProgress: p => { if (bar == null) { quietProgress(p) } else { bar.update(p) } },
      log: line => { if (bar == null && flags.json !== true) { process.stderr.write(line + '\n') } }
    })
    bar?.stop()
    process.stdout.write((flags.json === true ? JSON.stringify(result.report, null, 2) : result.summary) + '\n')
  })

try {
  await program.parseAsync(process.argv)
  // libp2p leaves a few timers behind after stop; the run is over
  process.exit(0)
} catch (err: any) {
  process.stderr.write(`sim: ${err instanceof ScenarioError ? err.message : err.stack ?? err.message}\n`)
  process.exit(err instanceof ScenarioError ? 2 : 1)
}
