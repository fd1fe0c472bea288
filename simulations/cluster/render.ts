/**
 * Cluster mode: render a scenario as Kubernetes objects. Nodes are a StatefulSet of the
 * project's image behind a headless Service, so pod i has the stable name
 * `<name>-node-i.<name>-nodes.<ns>.svc.cluster.local`; each node's identity is rendered
 * here, so its bootstrap list (its lower-numbered neighbours, as in multi-process mode)
 * can name peers by /dns4/…/p2p/<peer id> before any pod exists. Link latency, jitter
 * and loss come from `tc netem` on the pod's interface (an init container with
 * NET_ADMIN); each partition phase is a pair of NetworkPolicies the driver Job applies
 * at its start time and deletes at the heal.
 */
import { randomBytes } from 'node:crypto'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ScenarioError } from '../scenario.ts'
import { buildSchedule } from '../schedule.ts'
import { buildTopology } from '../topology.ts'
import { DNS_1123_LABEL } from './manifests.ts'
import type { ConfigMap, Job, Manifest, NetworkPolicy, Role, RoleBinding, Secret, Service, ServiceAccount, StatefulSet } from './manifests.ts'
import type { Scenario } from '../scenario.ts'

export const P2P_PORT = 4101
export const API_PORT = 4100
const APP_LABEL = 'app.kubernetes.io/name'
const ROLE_LABEL = 'liberation.mesh/role'
const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name'

export interface ClusterOptions {
  /** the node image built from the project's Dockerfile, e.g. registry.example/liberation-mesh:1.2 */
  image: string
  namespace?: string
  /** an image with `tc` (iproute2) for the netem init container */
  netemImage?: string
  /** per-node requests; see docs/simulations.md for why these defaults */
  cpuRequest?: string
  memoryRequest?: string
  memoryLimit?: string
  /** the control API token (≥ 16 chars); default a random one */
  apiToken?: string
}

export interface RenderedCluster {
  /** applied first, in this order: kubectl apply -f */
  objects: Manifest[]
  /** one entry per partition phase: the policies the driver applies at `at` and deletes at `until` */
  partitions: Array<{ at: number, until: number, policies: NetworkPolicy[] }>
  peerIds: string[]
  names: { namespace: string, statefulSet: string, service: string, job: string }
}

/** Features the cluster launcher cannot reproduce: refused with the reason. */
export function clusterProblems (s: Scenario): string[] {
  const problems: string[] = []
  if (s.links.overrides.length > 0) { problems.push('links.overrides: netem shapes a pod\'s whole interface, so every link of a node gets the same latency; per-pair overrides need the in-process mode') }
  if (s.churn != null) { problems.push('churn: pods joining and leaving at a rate is not rendered; use the in-process mode') }
  if (s.kills.length > 0) { problems.push('kills: the StatefulSet restarts a killed pod at once; use the in-process or multi-process mode') }
  if (s.stack.encryption !== 'noise') { problems.push('stack.encryption: the real node always runs noise') }
  if (s.stack.storage !== 'leveldb' && s.stack.storage !== 'memory') { problems.push('stack.storage') }
  if (s.stack.routing != null) { problems.push('stack.routing: the node has no flag for routing timers') }
  return problems
}

const ms = (v: number): string => `${Math.round(v * 1000) / 1000}ms`

/** the tc command that gives every packet leaving the pod the scenario's one-way delay */
export function netemCommand (s: Scenario): string | undefined {
  const { latency, jitter, loss } = s.links
  if (latency === 0 && jitter === 0 && loss === 0) { return undefined }
  // netem's jitter without a distribution table is uniform, as the in-process links are
  const delay = `delay ${ms(latency)}${jitter > 0 ? ` ${ms(jitter)}` : ''}`
  return `tc qdisc replace dev eth0 root netem ${delay}${loss > 0 ? ` loss ${Math.round(loss * 1e6) / 1e4}%` : ''}`
}

function resourceName (scenario: Scenario): string {
  const base = scenario.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '')
  return base.length > 0 ? base : 'scenario'
}

export async function renderCluster (scenario: Scenario, opts: ClusterOptions): Promise<RenderedCluster> {
  const problems = clusterProblems(scenario)
  if (problems.length > 0) { throw new ScenarioError(`scenario ${scenario.name} cannot run in cluster mode:\n  ${problems.join('\n  ')}`) }
  if (opts.image.trim() === '' || /\s/.test(opts.image)) { throw new ScenarioError('--image: give the node image, e.g. registry.example/liberation-mesh:latest') }
  const namespace = opts.namespace ?? 'liberation-sim'
  if (!DNS_1123_LABEL.test(namespace) || namespace.length > 63) { throw new ScenarioError(`--namespace ${namespace}: not a DNS-1123 label (a-z, 0-9, -)`) }
  const token = opts.apiToken ?? randomBytes(24).toString('hex')
  if (token.length < 16) { throw new ScenarioError('the API token must be at least 16 characters') }

  const base = resourceName(scenario)
  const sts = `${base}-node`
  const svc = `${base}-nodes`
  const meta = (name: string, extra: Record<string, string> = {}): { name: string, namespace: string, labels: Record<string, string> } =>
    ({ name, namespace, labels: { [APP_LABEL]: 'liberation-mesh', 'liberation.mesh/scenario': base, ...extra } })
  const nodeLabels = { [APP_LABEL]: 'liberation-mesh', [ROLE_LABEL]: 'node', 'liberation.mesh/scenario': base }
  const driverLabels = { [APP_LABEL]: 'liberation-mesh', [ROLE_LABEL]: 'driver', 'liberation.mesh/scenario': base }

  const topology = buildTopology(scenario)
  const schedule = buildSchedule(scenario, topology)
  const keys = await Promise.all(Array.from({ length: scenario.nodes }, async () => generateKeyPair('Ed25519')))
  const peerIds = keys.map(k => peerIdFromPrivateKey(k).toString())
  const dns = (i: number): string => `${sts}-${i}.${svc}.${namespace}.svc.cluster.local`
  const apiUrls = peerIds.map((_, i) => `http://${dns(i)}:${API_PORT}`)

  const identities: Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta(`${base}-identities`),
    type: 'Opaque',
    data: Object.fromEntries(keys.map((k, i) => [`node-${i}.key`, Buffer.from(privateKeyToProtobuf(k)).toString('base64')]))
  }
  const tokenSecret: Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta(`${base}-api-token`),
    type: 'Opaque',
    data: { token: Buffer.from(token).toString('base64') }
  }
  const bootstrap: ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(`${base}-bootstrap`),
    data: Object.fromEntries(peerIds.map((_, i) => [
      `bootstrap-${i}`,
      topology.neighbours(i).filter(j => j < i).sort((a, b) => a - b).map(j => `/dns4/${dns(j)}/tcp/${P2P_PORT}/p2p/${peerIds[j]}`).join(',')
    ]))
  }
  const service: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(svc),
    spec: {
      clusterIP: 'None',
      // bootstrap names must resolve while a pod is still starting
      publishNotReadyAddresses: true,
      selector: nodeLabels,
      ports: [
        { name: 'p2p', port: P2P_PORT, targetPort: P2P_PORT, protocol: 'TCP' },
        { name: 'api', port: API_PORT, targetPort: API_PORT, protocol: 'TCP' }
      ]
    }
  }
  const netem = netemCommand(scenario)
  const maxConnections = Math.max(64, ...peerIds.map((_, i) => topology.degree(i) + 16))
  const statefulSet: StatefulSet = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(sts),
    spec: {
      serviceName: svc,
      replicas: scenario.nodes,
      // node i bootstraps to lower-numbered neighbours: start them in order, each once it listens
      podManagementPolicy: 'OrderedReady',
      selector: { matchLabels: nodeLabels },
      template: {
        metadata: { labels: nodeLabels },
        spec: {
          securityContext: { fsGroup: 1000 },
          initContainers: [
            {
              name: 'identity',
              image: opts.image,
              // eslint-disable-next-line no-template-curly-in-string -- a shell expansion: the pod's ordinal from its hostname
              command: ['sh', '-c', 'i="${HOSTNAME##*-}"; cp "/etc/liberation/identities/node-$i.key" /data/identity.key && chmod 600 /data/identity.key'],
              volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'identities', mountPath: '/etc/liberation/identities', readOnly: true }]
            },
            ...(netem == null
              ? []
              : [{
                  name: 'netem',
                  image: opts.netemImage ?? 'nicolaka/netshoot:v0.13',
                  command: ['sh', '-c', netem],
                  securityContext: { runAsUser: 0, capabilities: { add: ['NET_ADMIN'] } }
                }])
          ],
          containers: [{
            name: 'node',
            image: opts.image,
            // eslint-disable-next-line no-template-curly-in-string -- a shell expansion: the pod's ordinal from its hostname
            command: ['sh', '-c', 'export LIBERATION_BOOTSTRAP="$(cat "/etc/liberation/bootstrap/bootstrap-${HOSTNAME##*-}")"; exec node dist/cli/liberation.mjs start'],
            env: [
              { name: 'LIBERATION_DATA_DIR', value: '/data' },
              { name: 'LIBERATION_LISTEN', value: `/ip4/0.0.0.0/tcp/${P2P_PORT}` },
              { name: 'LIBERATION_API_HOST', value: '0.0.0.0' },
              { name: 'LIBERATION_API_PORT', value: String(API_PORT) },
              { name: 'LIBERATION_API_TOKEN', valueFrom: { secretKeyRef: { name: tokenSecret.metadata.name, key: 'token' } } },
              { name: 'LIBERATION_MDNS', value: 'false' },
              { name: 'LIBERATION_RELAY', value: 'false' },
              { name: 'LIBERATION_DHT', value: String(scenario.stack.dht) },
              { name: 'LIBERATION_MIN_CONNECTIONS', value: '0' },
              { name: 'LIBERATION_MAX_CONNECTIONS', value: String(maxConnections) },
              { name: 'LIBERATION_LOG_LEVEL', value: 'warn' }
            ],
            ports: [
              { name: 'p2p', containerPort: P2P_PORT, protocol: 'TCP' },
              { name: 'api', containerPort: API_PORT, protocol: 'TCP' }
            ],
            readinessProbe: { tcpSocket: { port: P2P_PORT }, periodSeconds: 2 },
            resources: {
              requests: { cpu: opts.cpuRequest ?? '100m', memory: opts.memoryRequest ?? '192Mi' },
              limits: { memory: opts.memoryLimit ?? '512Mi' }
            },
            volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'bootstrap', mountPath: '/etc/liberation/bootstrap', readOnly: true }]
          }],
          volumes: [
            { name: 'data', emptyDir: {} },
            { name: 'identities', secret: { secretName: identities.metadata.name, defaultMode: 0o440 } },
            { name: 'bootstrap', configMap: { name: bootstrap.metadata.name } }
          ]
        }
      }
    }
  }

  const partitions = schedule.actions.flatMap(a => a.kind === 'partition' ? [a] : []).map(a => {
    const sideA = a.side.map(i => `${sts}-${i}`)
    const policy = (name: string, operator: 'In' | 'NotIn'): NetworkPolicy => {
      const side = { matchLabels: nodeLabels, matchExpressions: [{ key: POD_NAME_LABEL, operator, values: sideA }] }
      return {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { ...meta(name), annotations: { 'liberation.mesh/at-ms': String(a.t), 'liberation.mesh/until-ms': String(a.until) } },
        spec: {
          podSelector: side,
          policyTypes: ['Ingress', 'Egress'],
          // own side and the driver in; own side and DNS out
          ingress: [{ from: [{ podSelector: side }, { podSelector: { matchLabels: driverLabels } }] }],
          egress: [{ to: [{ podSelector: side }] }, { ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }]
        }
      }
    }
    return { at: a.t, until: a.until, policies: [policy(`${base}-partition-${a.seq}-a`, 'In'), policy(`${base}-partition-${a.seq}-b`, 'NotIn')] }
  })

  const job = `${base}-driver`
  const scenarioMap: ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta(`${base}-scenario`),
    data: {
      'scenario.json': JSON.stringify({ ...scenario, mode: 'in-process' }, null, 2),
      // what the driver attaches to: node i's API and peer id, and when to apply each partition
      'nodes.json': JSON.stringify({ namespace, api: apiUrls, peerIds, partitions: partitions.map(p => ({ at: p.at, until: p.until, policies: p.policies.map(x => x.metadata.name) })) }, null, 2),
      ...Object.fromEntries(partitions.flatMap(p => p.policies.map(x => [`${x.metadata.name}.json`, JSON.stringify(x)])))
    }
  }
  const account: ServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(job) }
  // the driver applies and deletes the partition policies, and nothing else
  const role: Role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta(job),
    rules: [{ apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['create', 'delete', 'get'] }]
  }
  const binding: RoleBinding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta(job),
    subjects: [{ kind: 'ServiceAccount', name: job, namespace }],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: job }
  }
  const runSeconds = Math.ceil((scenario.setupTimeout + scenario.duration + scenario.settle) / 1000)
  const driver: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(job, { [ROLE_LABEL]: 'driver' }),
    spec: {
      backoffLimit: 0,
      // node start-up in order plus the run, with room to spare
      activeDeadlineSeconds: runSeconds * 2 + 30 * scenario.nodes,
      template: {
        metadata: { labels: driverLabels },
        spec: {
          serviceAccountName: job,
          restartPolicy: 'Never',
          containers: [{
            name: 'driver',
            image: opts.image,
            command: ['node', 'dist/simulations/cli.js', '/etc/liberation/scenario/scenario.json', '--attach', '/etc/liberation/scenario/nodes.json', '--json', '--quiet'],
            env: [{ name: 'LIBERATION_API_TOKEN', valueFrom: { secretKeyRef: { name: tokenSecret.metadata.name, key: 'token' } } }],
            resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '2Gi' } },
            volumeMounts: [{ name: 'scenario', mountPath: '/etc/liberation/scenario', readOnly: true }]
          }],
          volumes: [{ name: 'scenario', configMap: { name: scenarioMap.metadata.name } }]
        }
      }
    }
  }

  return {
    objects: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      tokenSecret, identities, bootstrap, scenarioMap, service, statefulSet, account, role, binding, driver
    ],
    partitions,
    peerIds,
    names: { namespace, statefulSet: sts, service: svc, job }
  }
}
