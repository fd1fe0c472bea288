import { execFile } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { peerIdFromString } from '@libp2p/peer-id'
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { DNS_1123_LABEL, DNS_1123_SUBDOMAIN } from '../../simulations/cluster/manifests.ts'
import { renderCluster } from '../../simulations/cluster/render.ts'
import { ManifestError, validateManifests } from '../../simulations/cluster/validate.ts'
import { writeCluster } from '../../simulations/cluster/write.ts'
import { ScenarioError, validateScenario } from '../../simulations/scenario.ts'
import type { RenderedCluster } from '../../simulations/cluster/render.ts'

const fifty = validateScenario({
  name: 'Cluster 50',
  nodes: 50,
  seed: 3,
  clock: 'real',
  topology: { kind: 'random', degree: 6 },
  links: { latency: 20, jitter: 5, loss: 0.01 },
  workload: { truth: { messages: 100, rate: 10 }, ledger: { writes: 20, rate: 2 } },
  partitions: [{ at: '3s', duration: '10s', side: '0-15' }],
  settle: '30s'
})

describe('cluster mode: rendered manifests', () => {
  let dir: string
  let rendered: RenderedCluster
  let objects: any[]
  let policies: any[]

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'liberation-cluster-'))
    rendered = await renderCluster(fifty, { image: 'registry.example/liberation-mesh:test', namespace: 'sim-a' })
    await writeCluster(rendered, dir, fifty.nodes)
    // read back what was written: the YAML is what kubectl sees
    objects = []
    for (const f of (await readdir(dir)).filter(f => f.endsWith('.yaml')).sort()) {
      objects.push(...parseAllDocuments(await readFile(join(dir, f), 'utf8')).map(d => d.toJS()))
    }
    policies = []
    for (const f of await readdir(join(dir, 'partitions'))) {
      policies.push(...parseAllDocuments(await readFile(join(dir, 'partitions', f), 'utf8')).map(d => d.toJS()))
    }
  })
  afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

  const one = (kind: string): any => {
    const found = objects.filter(o => o.kind === kind)
    expect(found).toHaveLength(1)
    return found[0]
  }

  it('the written YAML passes the strict schemas and the cross-checks', () => {
    const parsed = validateManifests([...objects, ...policies], { nodes: 50 })
    expect(parsed.map(o => o.kind).sort()).toEqual(['ConfigMap', 'ConfigMap', 'Job', 'Namespace', 'NetworkPolicy', 'NetworkPolicy', 'Role', 'RoleBinding', 'Secret', 'Secret', 'Service', 'ServiceAccount', 'StatefulSet'])
    for (const o of parsed) {
      expect(o.metadata.name.length).toBeLessThanOrEqual(63)
      expect(o.metadata.name).toMatch(['Service', 'StatefulSet', 'Job', 'Namespace'].includes(o.kind) ? DNS_1123_LABEL : DNS_1123_SUBDOMAIN)
    }
  })

  it('a StatefulSet of 50 nodes behind a headless Service that selects them on the same ports', () => {
    const sts = one('StatefulSet')
    const svc = one('Service')
    expect(sts.apiVersion).toBe('apps/v1')
    expect(sts.spec.replicas).toBe(50)
    expect(sts.spec.serviceName).toBe(svc.metadata.name)
    expect(svc.spec.clusterIP).toBe('None')
    const podLabels = sts.spec.template.metadata.labels
    for (const [k, v] of Object.entries(sts.spec.selector.matchLabels)) { expect(podLabels[k]).toBe(v) }
    for (const [k, v] of Object.entries(svc.spec.selector)) { expect(podLabels[k]).toBe(v) }
    const node = sts.spec.template.spec.containers.find((c: any) => c.name === 'node')
    expect(node.image).toBe('registry.example/liberation-mesh:test')
    const ports = node.ports.map((p: any) => `${p.name}:${p.containerPort}`).sort()
    expect(svc.spec.ports.map((p: any) => `${p.name}:${p.targetPort}`).sort()).toEqual(ports)
    expect(ports).toEqual(['api:4100', 'p2p:4101'])
    expect(node.resources.requests).toEqual({ cpu: '100m', memory: '192Mi' })
  })

  it('the API token lives in a Secret that the node and the driver read', () => {
    const secrets = objects.filter(o => o.kind === 'Secret')
    const tokenSecret = secrets.find(s => s.data.token != null)
    expect(Buffer.from(tokenSecret.data.token, 'base64').toString().length).toBeGreaterThanOrEqual(16)
    const refs = [one('StatefulSet').spec.template.spec, one('Job').spec.template.spec]
      .flatMap(spec => spec.containers.flatMap((c: any) => c.env ?? []))
      .filter((e: any) => e.name === 'LIBERATION_API_TOKEN')
    expect(refs).toHaveLength(2)
    for (const r of refs) { expect(r.valueFrom.secretKeyRef).toEqual({ name: tokenSecret.metadata.name, key: 'token' }) }
    // the token itself never appears in plain text
    expect(JSON.stringify(objects)).not.toContain(Buffer.from(tokenSecret.data.token, 'base64').toString())
  })

  it('bootstrap lists name each node\'s lower neighbours by stable DNS name and their rendered identities', () => {
    const map = objects.find(o => o.kind === 'ConfigMap' && o.data['bootstrap-0'] != null)
    const ids = objects.find(o => o.kind === 'Secret' && o.data['node-0.key'] != null)
    expect(Object.keys(ids.data)).toHaveLength(50)
    expect(map.data['bootstrap-0']).toBe('')
    let links = 0
    for (let i = 0; i < 50; i++) {
      const list = map.data[`bootstrap-${i}`] === '' ? [] : map.data[`bootstrap-${i}`].split(',')
      links += list.length
      for (const addr of list) {
        const m = /^\/dns4\/cluster-50-node-(\d+)\.cluster-50-nodes\.sim-a\.svc\.cluster\.local\/tcp\/4101\/p2p\/(\w+)$/.exec(addr)
        expect(m, addr).not.toBeNull()
        const j = Number(m?.[1])
        expect(j).toBeLessThan(i)
        expect(m?.[2]).toBe(rendered.peerIds[j])
        expect(peerIdFromString(m?.[2] as string).type).toBe('Ed25519')
      }
    }
    // random 6-regular: every edge listed once, by its higher end
    expect(links).toBe(50 * 6 / 2)
  })

  it('link latency comes from netem in a NET_ADMIN init container', () => {
    const netem = one('StatefulSet').spec.template.spec.initContainers.find((c: any) => c.name === 'netem')
    expect(netem.securityContext.capabilities.add).toEqual(['NET_ADMIN'])
    expect(netem.command.join(' ')).toContain('netem delay 20ms 5ms loss 1%')
  })

  it('a partition phase is two NetworkPolicies that split the nodes along the scenario\'s side', () => {
    expect(rendered.partitions).toHaveLength(1)
    expect(rendered.partitions[0]).toMatchObject({ at: 3000, until: 13000 })
    expect(policies).toHaveLength(2)
    const [a, b] = [...policies].sort((x, y) => x.metadata.name.localeCompare(y.metadata.name))
    const side = Array.from({ length: 16 }, (_, i) => `cluster-50-node-${i}`)
    expect(a.spec.podSelector.matchExpressions).toEqual([{ key: 'statefulset.kubernetes.io/pod-name', operator: 'In', values: side }])
    expect(b.spec.podSelector.matchExpressions).toEqual([{ key: 'statefulset.kubernetes.io/pod-name', operator: 'NotIn', values: side }])
    const driverLabels = one('Job').spec.template.metadata.labels
    for (const p of [a, b]) {
      expect(p.metadata.annotations['liberation.mesh/at-ms']).toBe('3000')
      // each side admits itself and the driver, nothing else
      expect(p.spec.ingress[0].from[0].podSelector).toEqual(p.spec.podSelector)
      expect(p.spec.ingress[0].from[1].podSelector.matchLabels).toEqual(driverLabels)
    }
    // the driver can apply them: its role covers networkpolicies
    expect(one('Role').rules[0].resources).toEqual(['networkpolicies'])
    expect(one('RoleBinding').subjects[0].name).toBe(one('Job').spec.template.spec.serviceAccountName)
  })

  it('the validation catches what breaks a cluster', () => {
    const broken = (edit: (o: any[]) => void): any[] => { const copy = structuredClone(objects); edit(copy); return copy }
    const sts = (o: any[]): any => o.find(x => x.kind === 'StatefulSet')
    const cases: Array<[string, (o: any[]) => void, RegExp]> = [
      ['replicas ≠ nodes', o => { sts(o).spec.replicas = 49 }, /replicas 49, the scenario has 50/],
      ['selector mismatch', o => { o.find(x => x.kind === 'Service').spec.selector['liberation.mesh/role'] = 'other' }, /does not select the StatefulSet's pods/],
      ['port mismatch', o => { o.find(x => x.kind === 'Service').spec.ports[1].targetPort = 9999 }, /no matching container port/],
      ['missing secret', o => { o.splice(o.findIndex(x => x.kind === 'Secret' && x.data.token != null), 1) }, /Secret cluster-50-api-token, which is not rendered/],
      ['bad name', o => { sts(o).metadata.name = 'Cluster_50' }, /DNS-1123/],
      ['wrong apiVersion', o => { sts(o).apiVersion = 'apps/v1beta1' }, /apiVersion/],
      ['unknown field', o => { sts(o).spec.replica = 3 }, /replica/],
      ['missing image', o => { delete sts(o).spec.template.spec.containers[0].image }, /image/]
    ]
    for (const [what, edit, message] of cases) {
      expect(() => validateManifests(broken(edit), { nodes: 50 }), what).toThrow(ManifestError)
      expect(() => validateManifests(broken(edit), { nodes: 50 }), what).toThrow(message)
    }
  })
})

describe('cluster mode: bad input', () => {
  const base = { nodes: 6, clock: 'real', topology: { kind: 'ring' }, workload: { truth: { messages: 5 } } }

  it('refuses scenario features it cannot reproduce, naming them', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ links: { latency: 10, overrides: [{ between: [0, 1], latency: 50 }] } }, /links\.overrides/],
      [{ churn: { leaveRate: 0.5 } }, /churn/],
      [{ kills: [{ at: 1000, node: 2 }] }, /kills/],
      [{ stack: { encryption: 'plaintext' } }, /stack\.encryption/]
    ]
    for (const [extra, message] of cases) {
      const s = validateScenario({ ...base, ...extra })
      await expect(renderCluster(s, { image: 'x/y:1' })).rejects.toThrow(ScenarioError)
      await expect(renderCluster(s, { image: 'x/y:1' })).rejects.toThrow(message)
    }
  })

  it('refuses a bad image, namespace or token', async () => {
    const s = validateScenario(base)
    await expect(renderCluster(s, { image: '' })).rejects.toThrow(/--image/)
    await expect(renderCluster(s, { image: 'x/y:1', namespace: 'Not_A_Name' })).rejects.toThrow(/DNS-1123/)
    await expect(renderCluster(s, { image: 'x/y:1', apiToken: 'short' })).rejects.toThrow(/16 characters/)
  })

  it('renders no netem container when links have no latency, jitter or loss', async () => {
    const r = await renderCluster(validateScenario(base), { image: 'x/y:1' })
    const sts = r.objects.find(o => o.kind === 'StatefulSet')
    expect(sts?.kind === 'StatefulSet' ? sts.spec.template.spec.initContainers?.map(c => c.name) : undefined).toEqual(['identity'])
    expect(r.partitions).toEqual([])
  })
})

describe('cluster mode: the sim command (built CLI)', () => {
  const sim = async (...args: string[]): Promise<{ code: number, stdout: string, stderr: string }> =>
    promisify(execFile)(process.execPath, ['dist/simulations/cli.js', ...args], { maxBuffer: 16 * 1024 * 1024 })
      .then(r => ({ code: 0, ...r }), (err: any) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }))

  it('renders a standard scenario into --out and prints what to apply; refuses without --image or with churn', async () => {
    const out = await mkdtemp(join(tmpdir(), 'liberation-cluster-cli-'))
    try {
      const ok = await sim('partition-heal', '--mode', 'cluster', '--image', 'reg.example/liberation-mesh:1', '--namespace', 'sim-b', '--out', out)
      expect(ok.code).toBe(0)
      expect(ok.stdout).toContain(`kubectl apply -f ${join(out, '30-driver.yaml')}`)
      expect(ok.stdout).toContain('kubectl -n sim-b logs job/partition-heal-driver > report.json')
      const docs = parseAllDocuments(await readFile(join(out, '20-nodes.yaml'), 'utf8')).map(d => d.toJS())
      expect(docs.find(d => d.kind === 'StatefulSet').spec.replicas).toBe(30)
      expect((await readdir(join(out, 'partitions'))).sort()).toEqual(['partition-heal-partition-0-a.yaml', 'partition-heal-partition-0-b.yaml'])

      const noImage = await sim('smoke', '--mode', 'cluster', '--out', join(out, 'none'))
      expect(noImage.code).toBe(2)
      expect(noImage.stderr).toContain('--mode cluster needs --image')
      const churn = await sim('churn', '--mode', 'cluster', '--image', 'x/y:1', '--out', join(out, 'churn'))
      expect(churn.code).toBe(2)
      expect(churn.stderr).toMatch(/cannot run in cluster mode:\n\s+churn:/)
      // a refused render writes nothing
      expect((await readdir(out)).sort()).toEqual(['00-namespace.yaml', '10-config.yaml', '20-nodes.yaml', '30-driver.yaml', 'partitions'])
    } finally {
      await rm(out, { recursive: true, force: true })
    }
  })
})
