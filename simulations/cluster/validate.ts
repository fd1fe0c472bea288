/**
 * Offline checks of a rendered cluster: every object against the strict schemas, then
 * what the schemas cannot see on their own: selectors that select, ports that line up,
 * Secrets and ConfigMaps that exist where they are referenced, one namespace throughout.
 */
import { manifestSchema } from './manifests.ts'
import type { ConfigMap, Job, Manifest, NetworkPolicy, Secret, Service, StatefulSet } from './manifests.ts'

export class ManifestError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ManifestError'
  }
}

const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined): boolean =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v)

/** the StatefulSet against its Service: selection, ports, replicas */
function checkStatefulSet (set: StatefulSet, services: Service[], nodes: number | undefined, errors: string[]): void {
  const owner = `StatefulSet/${set.metadata.name}`
  const podLabels = set.spec.template.metadata.labels
  if (!matches(set.spec.selector.matchLabels, podLabels)) { errors.push(`${owner}: selector does not match its pod template's labels`) }
  if (nodes != null && set.spec.replicas !== nodes) { errors.push(`${owner}: replicas ${set.spec.replicas}, the scenario has ${nodes} nodes`) }
  if (`${set.metadata.name}-${set.spec.replicas - 1}`.length > 63) { errors.push(`${owner}: pod names would exceed 63 characters`) }
  const service = services.find((s: Service) => s.metadata.name === set.spec.serviceName)
  if (service == null) { errors.push(`${owner}: serviceName ${set.spec.serviceName} is not a rendered Service`) } else {
    if (!matches(service.spec.selector, podLabels)) { errors.push(`Service/${service.metadata.name}: selector does not select the StatefulSet's pods`) }
    const containerPorts = set.spec.template.spec.containers.flatMap(c => c.ports ?? [])
    for (const p of service.spec.ports) {
      if (!containerPorts.some(cp => cp.containerPort === p.targetPort && cp.name === p.name)) { errors.push(`Service/${service.metadata.name}: port ${p.name} → ${p.targetPort} has no matching container port`) }
    }
  }
}

/** partition policies select mesh nodes, and only pods that exist */
function checkPolicies (policies: NetworkPolicy[], sets: StatefulSet[], errors: string[]): void {
  const nodeLabels = sets[0]?.spec.template.metadata.labels ?? {}
  for (const p of policies) {
    const sel = p.spec.podSelector.matchLabels ?? {}
    if (!matches(sel, nodeLabels)) { errors.push(`NetworkPolicy/${p.metadata.name}: podSelector does not select the mesh nodes`) }
    for (const e of p.spec.podSelector.matchExpressions ?? []) {
      if (e.key !== 'statefulset.kubernetes.io/pod-name') { continue }
      const bad = (e.values ?? []).filter(v => !sets.some(s => new RegExp(`^${s.metadata.name}-(\\d+)$`).test(v) && Number(v.slice(s.metadata.name.length + 1)) < s.spec.replicas))
      if (bad.length > 0) { errors.push(`NetworkPolicy/${p.metadata.name}: names pods that do not exist: ${bad.slice(0, 3).join(', ')}`) }
    }
  }
}

/** Parse and cross-check rendered objects; throws ManifestError listing what is wrong. */
export function validateManifests (objects: unknown[], expect: { nodes?: number } = {}): Manifest[] {
  const errors: string[] = []
  const parsed: Manifest[] = []
  objects.forEach((o, i) => {
    const r = manifestSchema.safeParse(o)
    if (r.success) { parsed.push(r.data); return }
    const what = `${String((o as any)?.kind)}/${String((o as any)?.metadata?.name)}`
    for (const issue of r.error.issues.slice(0, 3)) { errors.push(`object ${i} (${what}) ${issue.path.join('.')}: ${issue.message}`) }
  })
  if (errors.length > 0) { throw new ManifestError(`invalid manifests:\n  ${errors.join('\n  ')}`) }

  const of = <K extends Manifest['kind']>(kind: K): Array<Extract<Manifest, { kind: K }>> => parsed.filter((m): m is Extract<Manifest, { kind: K }> => m.kind === kind)
  const namespaces = new Set(parsed.flatMap(m => m.kind === 'Namespace' ? [] : [m.metadata.namespace]))
  if (namespaces.size !== 1) { errors.push(`objects span ${namespaces.size} namespaces (${[...namespaces].join(', ')}); expected one`) }
  const keys = new Set<string>()
  for (const m of parsed) {
    const key = `${m.kind}/${m.metadata.name}`
    if (keys.has(key)) { errors.push(`${key} appears twice`) }
    keys.add(key)
  }
  const secrets = new Map(of('Secret').map((s: Secret) => [s.metadata.name, s]))
  const configMaps = new Map(of('ConfigMap').map((c: ConfigMap) => [c.metadata.name, c]))
  const services = of('Service')
  const sets = of('StatefulSet')
  if (sets.length !== 1) { errors.push(`expected one StatefulSet, found ${sets.length}`) }

  const checkPod = (owner: string, spec: StatefulSet['spec']['template']['spec']): void => {
    const volumes = new Map((spec.volumes ?? []).map(v => [v.name, v]))
    for (const v of volumes.values()) {
      if (v.secret != null && !secrets.has(v.secret.secretName)) { errors.push(`${owner}: volume ${v.name} names Secret ${v.secret.secretName}, which is not rendered`) }
      if (v.configMap != null && !configMaps.has(v.configMap.name)) { errors.push(`${owner}: volume ${v.name} names ConfigMap ${v.configMap.name}, which is not rendered`) }
    }
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      for (const m of c.volumeMounts ?? []) {
        if (!volumes.has(m.name)) { errors.push(`${owner}: container ${c.name} mounts volume ${m.name}, which the pod does not declare`) }
      }
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef
        if (ref == null) { continue }
        const secret = secrets.get(ref.name)
        if (secret == null) { errors.push(`${owner}: env ${e.name} reads Secret ${ref.name}, which is not rendered`) } else if (secret.data[ref.key] == null) { errors.push(`${owner}: env ${e.name} reads key ${ref.key}, which Secret ${ref.name} lacks`) }
      }
    }
  }

  for (const set of sets) { checkStatefulSet(set, services, expect.nodes, errors); checkPod(`StatefulSet/${set.metadata.name}`, set.spec.template.spec) }
  for (const job of of('Job') as Job[]) {
    checkPod(`Job/${job.metadata.name}`, job.spec.template.spec)
    const sa = job.spec.template.spec.serviceAccountName
    if (sa != null && !keys.has(`ServiceAccount/${sa}`)) { errors.push(`Job/${job.metadata.name}: service account ${sa} is not rendered`) }
  }
  checkPolicies(of('NetworkPolicy'), sets, errors)
  for (const b of of('RoleBinding')) {
    if (!keys.has(`Role/${b.roleRef.name}`)) { errors.push(`RoleBinding/${b.metadata.name}: role ${b.roleRef.name} is not rendered`) }
  }
  if (errors.length > 0) { throw new ManifestError(`invalid manifests:\n  ${errors.slice(0, 10).join('\n  ')}`) }
  return parsed
}
