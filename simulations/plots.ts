/**
 * Plots of a report as SVG files: the propagation CDF (measured against ideal), latency
 * against hop count, and the convergence timeline with partitions, heals and kills
 * marked. Vega-Lite specs compiled to Vega and rendered headless by Vega's own SVG
 * renderer: no browser, no canvas, no native module.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { View, parse } from 'vega'
import { compile } from 'vega-lite'
import type { Report } from './report.ts'
import type { TopLevelSpec } from 'vega-lite'

const WIDTH = 560
const HEIGHT = 300

async function render (spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' })
  const svg = await view.toSVG()
  view.finalize()
  return svg
}

function subtitle (r: Report): string {
  const l = r.scenario.links
  return `${r.scenario.nodes} nodes, ${r.scenario.topology}, links ${l.latency} ms${l.jitter > 0 ? ` ± ${l.jitter}` : ''}${l.loss > 0 ? `, ${(l.loss * 100).toFixed(1)}% loss` : ''}, seed ${r.scenario.seed} (${r.scenario.mode})`
}

export function cdfSpec (r: Report): TopLevelSpec {
  const values = r.truth.cdf.flatMap(p => [
    { ms: p.ms, fraction: p.fraction, series: 'measured (gossip)' },
    { ms: p.ms, fraction: p.ideal, series: 'ideal (shortest path)' }
  ])
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Propagation CDF: ${r.scenario.name}`, subtitle: subtitle(r) },
    width: WIDTH,
    height: HEIGHT,
    background: 'white',
    data: { values },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 'ms', type: 'quantitative', title: 'post → delivery (ms)' },
      y: { field: 'fraction', type: 'quantitative', title: 'share of (message, node) pairs delivered', scale: { domain: [0, 1] } },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom-right', labelLimit: 400 } }
    }
  }
}

export function hopsSpec (r: Report): TopLevelSpec {
  const values = r.truth.byHops.flatMap(b => [
    { hops: b.hops, ms: b.p50, series: 'measured p50' },
    { hops: b.hops, ms: b.p95, series: 'measured p95' },
    { hops: b.hops, ms: b.ideal, series: 'ideal (mean)' }
  ])
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Latency vs hop count: ${r.scenario.name}`, subtitle: subtitle(r) },
    width: WIDTH,
    height: HEIGHT,
    background: 'white',
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'hops', type: 'quantitative', title: 'hops on the shortest path', axis: { tickMinStep: 1 } },
      y: { field: 'ms', type: 'quantitative', title: 'post → delivery (ms)' },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'top-left', labelLimit: 400 } }
    }
  }
}

export function timelineSpec (r: Report): TopLevelSpec {
  const values: Array<{ s: number, value: number, series: string }> = []
  for (const p of r.timeline) {
    const s = p.t / 1000
    const live = Math.max(1, p.liveNodes)
    values.push({ s, value: p.heldFraction, series: 'truth pairs held / expected' })
    values.push({ s, value: p.truthComplete / live, series: 'nodes holding every message' })
    if (Number.isFinite(p.ledgerAgree)) { values.push({ s, value: p.ledgerAgree / live, series: 'nodes on the majority ledger state' }) }
  }
  const marks = r.actions
    .filter(a => a.kind === 'partition' || a.kind === 'heal' || a.kind === 'kill')
    .map(a => ({ s: a.t / 1000, label: a.kind === 'kill' ? `kill ${a.nodes.join(',')}` : a.kind }))
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Convergence timeline: ${r.scenario.name}`, subtitle: subtitle(r) },
    width: WIDTH,
    height: HEIGHT,
    background: 'white',
    layer: [
      {
        data: { values },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: {
          x: { field: 's', type: 'quantitative', title: 'run time (s, 0 = workload start)' },
          y: { field: 'value', type: 'quantitative', title: 'share', scale: { domain: [0, 1.02] } },
          color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom-right', labelLimit: 400 } }
        }
      },
      ...(marks.length === 0
        ? []
        : [{
            data: { values: marks },
            layer: [
              { mark: { type: 'rule' as const, strokeDash: [4, 3], color: '#888' }, encoding: { x: { field: 's', type: 'quantitative' as const } } },
              { mark: { type: 'text' as const, align: 'left' as const, dx: 3, dy: -HEIGHT / 2 + 8, color: '#555' }, encoding: { x: { field: 's', type: 'quantitative' as const }, text: { field: 'label', type: 'nominal' as const } } }
            ]
          }])
    ]
  }
}

export interface PlotFiles {
  cdf?: string
  hops?: string
  timeline: string
}

/** Write the plots of a report into `dir`; returns their paths. */
export async function writePlots (r: Report, dir: string): Promise<PlotFiles> {
  await mkdir(dir, { recursive: true })
  const out: PlotFiles = { timeline: join(dir, 'timeline.svg') }
  if (r.truth.cdf.length > 0) {
    out.cdf = join(dir, 'propagation-cdf.svg')
    await writeFile(out.cdf, await render(cdfSpec(r)))
  }
  if (r.truth.byHops.length > 0) {
    out.hops = join(dir, 'latency-vs-hops.svg')
    await writeFile(out.hops, await render(hopsSpec(r)))
  }
  await writeFile(out.timeline, await render(timelineSpec(r)))
  return out
}
