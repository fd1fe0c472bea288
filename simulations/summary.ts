/** The one-screen text summary of a report. */
import type { Percentiles, Report } from './report.ts'

const ms = (x: number): string => !Number.isFinite(x) ? '-' : x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`
const pct = (x: number): string => Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : '-'
const mb = (x: number): string => `${(x / 1024 / 1024).toFixed(x < 10 * 1024 * 1024 ? 1 : 0)} MB`
const p3 = (p: Percentiles): string => p.count === 0 ? '-' : `p50 ${ms(p.p50)}  p95 ${ms(p.p95)}  p99 ${ms(p.p99)}`

export function formatSummary (r: Report, files: string[] = []): string {
  const s = r.scenario
  const t = r.truth
  const res = r.resources
  const lines: string[] = []
  lines.push(`Simulation ${s.name}: ${s.nodes} nodes, ${s.topology}, links ${s.links.latency} ms${s.links.jitter > 0 ? ` ± ${s.links.jitter}` : ''}${s.links.loss > 0 ? `, loss ${pct(s.links.loss)}` : ''}${s.links.overrides > 0 ? ` (${s.links.overrides} overrides)` : ''}, seed ${s.seed}`)
  lines.push(`stack: ${r.stack}`)
  lines.push(`host: ${r.host.cpus} CPUs, load ${r.host.loadBefore.map(x => x.toFixed(2)).join(' ')} → ${r.host.loadAfter.map(x => x.toFixed(2)).join(' ')}, node ${r.host.node}; wall ${ms(r.wallMs)}${r.settled ? '' : ' (did NOT settle before the deadline)'}`)
  lines.push(r.clock === 'virtual'
    ? `clock: virtual (simulated time; processing takes none)${r.cpu != null ? `; real CPU ${ms(r.cpu.workloadMs)} for the workload, ${r.cpu.perDeliveryMs.toFixed(3)} ms per delivery${r.cpu.events != null ? `, ${r.cpu.events} timer events` : ''}` : ''}`
    : `clock: real (wall clock: this host's processing delays are in every latency)${r.cpu != null ? `; CPU ${r.cpu.perDeliveryMs.toFixed(3)} ms per delivery` : ''}`)
  lines.push(`set-up: ${ms(r.setup.totalMs)} (start ${ms(r.setup.startMs)}, link ${ms(r.setup.linkMs)}, gossip meshes ${ms(r.setup.meshMs)})${r.setup.timedOut ? ' TIMED OUT' : ''}; discovery ${p3(r.setup.discovery)}`)
  if (t.posted + t.failed > 0) {
    lines.push(`truth: ${t.posted} posted${t.failed > 0 ? `, ${t.failed} failed (${t.postErrors.join('; ')})` : ''}; delivery ${pct(t.deliveryRatio)} (${t.deliveredPairs}/${t.expectedPairs}); where connected ${pct(t.connectedDeliveryRatio)}; gossip ${t.byGossip}, sync ${t.bySync}`)
    lines.push(`  latency ${p3(t.latency)}  max ${ms(t.latency.max)}`)
    lines.push(`  ideal   ${p3(t.ideal)}  (shortest path, same graph)`)
    for (const b of t.byPhase) { lines.push(`  posted ${b.phase === 'whole' ? 'on the whole network' : 'inside a partition\'s side'}: ${b.latency.count} pairs, latency ${p3(b.latency)}; ideal ${p3(b.ideal)}`) }
    lines.push(`  excess  ${p3(t.excess)};  stretch p50 ${t.stretch.p50.toFixed(2)}× p99 ${t.stretch.p99.toFixed(2)}×`)
    lines.push(Number.isFinite(t.duplicates) ? `  duplicates per delivery ${t.duplicatesPerDelivery.toFixed(2)} (${t.duplicates})` : '  duplicates per delivery: not measured')
  }
  if (r.ledger.writes + r.ledger.failed > 0) { lines.push(`ledger: ${r.ledger.writes} writes${r.ledger.failed > 0 ? `, ${r.ledger.failed} failed (${r.ledger.errors.join('; ')})` : ''}`) }
  for (const c of r.convergence.truth) { lines.push(`heal at ${ms(c.healAt)}: truth converged in ${c.convergedMs == null ? 'NOT within the run' : ms(c.convergedMs)}`) }
  for (const c of r.convergence.ledger) { lines.push(`heal at ${ms(c.healAt)}: ledger converged in ${c.convergedMs == null ? 'NOT within the run' : ms(c.convergedMs)}`) }
  for (const rr of r.reroutes) {
    lines.push(`kill node ${rr.killed} on route ${rr.from}→${rr.to} (${rr.before.join('-')}): table rerouted ${rr.routeUpdatedMs == null ? 'NO' : `in ${ms(rr.routeUpdatedMs)} via ${rr.after?.join('-')}`}, message delivered ${rr.deliveredMs == null ? 'NO' : `after ${ms(rr.deliveredMs)}`}${rr.error != null && rr.deliveredMs == null ? ` (${rr.error})` : ''}`)
  }
  const c = r.churn
  if (c.leaves + c.joins + c.rejoins + c.kills > 0) { lines.push(`churn: ${c.leaves} left, ${c.rejoins} rejoined, ${c.joins} joined, ${c.kills} killed`) }
  // on the virtual clock run time is simulated: CPU per simulated second, not a count of cores
  const cpuUnits = r.clock === 'virtual' ? ['s per simulated second', 'ms/node per simulated s'] : ['cores', 'ms/node/s']
  lines.push(`resources: peak RSS ${mb(res.peakRssBytes)} (${mb(res.rssPerNodeBytes)}/node)${res.processPeakRssBytes != null ? `, process peak ${mb(res.processPeakRssBytes)}` : ''}, CPU ${res.cores.toFixed(2)} ${cpuUnits[0]} (${res.cpuMsPerNodePerSecond.toFixed(2)} ${cpuUnits[1]}), event-loop delay p99 up to ${ms(res.eventLoopDelayP99MaxMs)}${res.traffic != null ? `, traffic ${mb(res.traffic.bytes)} in ${res.traffic.chunks} chunks` : ''}`)
  const sv = res.services
  if (sv != null) { lines.push(`services: routing ${sv.routingBeaconsSent ?? 0} beacons, ${sv.routingUpdatesSent ?? 0} updates (${mb(sv.routingUpdateBytesSent ?? 0)}; far tables ${sv.routingFarTablesSent ?? 0}, ${mb(sv.routingFarTableBytesSent ?? 0)}), ${sv.routingRecomputations ?? 0} route computations; truth ${sv.truthSyncs ?? 0} syncs`) }
  for (const n of r.notes) { lines.push(`note: ${n}`) }
  for (const f of files) { lines.push(`→ ${f}`) }
  return lines.join('\n')
}
