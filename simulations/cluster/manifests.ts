/**
 * The Kubernetes objects cluster mode renders, as strict zod schemas of exactly the fields
 * it uses: the renderer's output is parsed with them before anything is written, so a
 * typo in a field name or a missing required field fails here rather than at
 * `kubectl apply`. Field names and required-ness follow the Kubernetes API reference
 * (apps/v1, v1, batch/v1, networking.k8s.io/v1, rbac.authorization.k8s.io/v1).
 */
import { z } from 'zod'

/** RFC 1123 label: what Kubernetes requires of Service names and label-like names */
export const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
/** RFC 1123 subdomain: object names of most kinds */
export const DNS_1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

const dnsLabel = z.string().max(63).regex(DNS_1123_LABEL, 'not a DNS-1123 label')
const dnsSubdomain = z.string().max(253).regex(DNS_1123_SUBDOMAIN, 'not a DNS-1123 subdomain')
const labelValue = z.string().max(63).regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, 'not a valid label value')
const labelKey = z.string().regex(/^([a-z0-9.-]{1,253}\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, 'not a valid label key')
const labels = z.record(labelKey, labelValue)
const quantity = z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G)?$/, 'not a resource quantity')
const port = z.number().int().min(1).max(65535)

const metadataFields = {
  namespace: dnsLabel,
  labels: labels.optional(),
  annotations: z.record(z.string(), z.string()).optional()
}

const labelSelector = z.object({
  matchLabels: labels.optional(),
  matchExpressions: z.array(z.object({
    key: labelKey,
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
    values: z.array(labelValue).optional()
  }).strict()).optional()
}).strict()

const envVar = z.object({
  name: z.string().regex(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/),
  value: z.string().optional(),
  valueFrom: z.object({
    secretKeyRef: z.object({ name: dnsSubdomain, key: z.string().min(1) }).strict()
  }).strict().optional()
}).strict().refine(e => (e.value == null) !== (e.valueFrom == null), { message: 'give exactly one of value, valueFrom' })

const volumeMount = z.object({ name: dnsLabel, mountPath: z.string().startsWith('/'), readOnly: z.boolean().optional() }).strict()

const resources = z.object({
  requests: z.object({ cpu: quantity, memory: quantity }).strict(),
  limits: z.object({ cpu: quantity.optional(), memory: quantity }).strict().optional()
}).strict()

const container = z.object({
  name: dnsLabel,
  image: z.string().min(1),
  imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
  command: z.array(z.string()).min(1).optional(),
  args: z.array(z.string()).optional(),
  env: z.array(envVar).optional(),
  ports: z.array(z.object({ name: z.string().max(15).regex(DNS_1123_LABEL), containerPort: port, protocol: z.literal('TCP') }).strict()).optional(),
  volumeMounts: z.array(volumeMount).optional(),
  resources: resources.optional(),
  readinessProbe: z.object({
    tcpSocket: z.object({ port: z.union([port, z.string()]) }).strict(),
    periodSeconds: z.number().int().min(1)
  }).strict().optional(),
  securityContext: z.object({
    runAsUser: z.number().int().min(0).optional(),
    capabilities: z.object({ add: z.array(z.string()) }).strict().optional()
  }).strict().optional()
}).strict()

const volume = z.object({
  name: dnsLabel,
  emptyDir: z.object({}).strict().optional(),
  secret: z.object({ secretName: dnsSubdomain, defaultMode: z.number().int().optional() }).strict().optional(),
  configMap: z.object({ name: dnsSubdomain }).strict().optional()
}).strict().refine(v => [v.emptyDir, v.secret, v.configMap].filter(x => x != null).length === 1, { message: 'a volume needs exactly one source' })

const podSpec = z.object({
  serviceAccountName: dnsSubdomain.optional(),
  restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).optional(),
  securityContext: z.object({ fsGroup: z.number().int() }).strict().optional(),
  initContainers: z.array(container).optional(),
  containers: z.array(container).min(1),
  volumes: z.array(volume).optional()
}).strict()

export const namespaceSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Namespace'),
  metadata: z.object({ name: dnsLabel, labels: labels.optional() }).strict()
}).strict()

export const secretSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Secret'),
  metadata: z.object({ name: dnsSubdomain, ...metadataFields }).strict(),
  type: z.literal('Opaque'),
  /** base64 values */
  data: z.record(z.string().regex(/^[-._a-zA-Z0-9]+$/), z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/))
}).strict()

export const configMapSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('ConfigMap'),
  metadata: z.object({ name: dnsSubdomain, ...metadataFields }).strict(),
  data: z.record(z.string().regex(/^[-._a-zA-Z0-9]+$/), z.string())
}).strict()

export const serviceSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('Service'),
  metadata: z.object({ name: dnsLabel, ...metadataFields }).strict(),
  spec: z.object({
    clusterIP: z.literal('None'),
    publishNotReadyAddresses: z.boolean().optional(),
    selector: labels,
    ports: z.array(z.object({ name: dnsLabel, port, targetPort: port, protocol: z.literal('TCP') }).strict()).min(1)
  }).strict()
}).strict()

export const statefulSetSchema = z.object({
  apiVersion: z.literal('apps/v1'),
  kind: z.literal('StatefulSet'),
  metadata: z.object({ name: dnsLabel, ...metadataFields }).strict(),
  spec: z.object({
    serviceName: dnsLabel,
    replicas: z.number().int().min(1),
    podManagementPolicy: z.enum(['OrderedReady', 'Parallel']),
    selector: z.object({ matchLabels: labels }).strict(),
    template: z.object({
      metadata: z.object({ labels, annotations: z.record(z.string(), z.string()).optional() }).strict(),
      spec: podSpec
    }).strict()
  }).strict()
}).strict()

export const jobSchema = z.object({
  apiVersion: z.literal('batch/v1'),
  kind: z.literal('Job'),
  metadata: z.object({ name: dnsLabel, ...metadataFields }).strict(),
  spec: z.object({
    backoffLimit: z.number().int().min(0),
    activeDeadlineSeconds: z.number().int().min(1).optional(),
    template: z.object({
      metadata: z.object({ labels }).strict(),
      spec: podSpec
    }).strict()
  }).strict()
}).strict()

const policyPeer = z.object({ podSelector: labelSelector.optional(), namespaceSelector: labelSelector.optional() }).strict()

export const networkPolicySchema = z.object({
  apiVersion: z.literal('networking.k8s.io/v1'),
  kind: z.literal('NetworkPolicy'),
  metadata: z.object({ name: dnsSubdomain, ...metadataFields }).strict(),
  spec: z.object({
    podSelector: labelSelector,
    policyTypes: z.array(z.enum(['Ingress', 'Egress'])).min(1),
    ingress: z.array(z.object({ from: z.array(policyPeer).min(1) }).strict()).optional(),
    egress: z.array(z.object({
      to: z.array(policyPeer).min(1).optional(),
      ports: z.array(z.object({ protocol: z.enum(['TCP', 'UDP']), port }).strict()).optional()
    }).strict()).optional()
  }).strict()
}).strict()

export const serviceAccountSchema = z.object({
  apiVersion: z.literal('v1'),
  kind: z.literal('ServiceAccount'),
  metadata: z.object({ name: dnsSubdomain, ...metadataFields }).strict()
}).strict()

export const roleSchema = z.object({
  apiVersion: z.literal('rbac.authorization.k8s.io/v1'),
  kind: z.literal('Role'),
  metadata: z.object({ name: dnsSubdomain, ...metadataFields }).strict(),
  rules: z.array(z.object({ apiGroups: z.array(z.string()), resources: z.array(z.string()).min(1), verbs: z.array(z.string()).min(1) }).strict()).min(1)
}).strict()

export const roleBindingSchema = z.object({
  apiVersion: z.literal('rbac.authorization.k8s.io/v1'),
  kind: z.literal('RoleBinding'),
  metadata: z.object({ name: dnsSubdomain, ...metadataFields }).strict(),
  subjects: z.array(z.object({ kind: z.literal('ServiceAccount'), name: dnsSubdomain, namespace: dnsLabel }).strict()).min(1),
  roleRef: z.object({ apiGroup: z.literal('rbac.authorization.k8s.io'), kind: z.literal('Role'), name: dnsSubdomain }).strict()
}).strict()

export const manifestSchema = z.discriminatedUnion('kind', [
  namespaceSchema, secretSchema, configMapSchema, serviceSchema, statefulSetSchema, jobSchema,
  networkPolicySchema, serviceAccountSchema, roleSchema, roleBindingSchema
])

export type Namespace = z.infer<typeof namespaceSchema>
export type Secret = z.infer<typeof secretSchema>
export type ConfigMap = z.infer<typeof configMapSchema>
export type Service = z.infer<typeof serviceSchema>
export type StatefulSet = z.infer<typeof statefulSetSchema>
export type Job = z.infer<typeof jobSchema>
export type NetworkPolicy = z.infer<typeof networkPolicySchema>
export type ServiceAccount = z.infer<typeof serviceAccountSchema>
export type Role = z.infer<typeof roleSchema>
export type RoleBinding = z.infer<typeof roleBindingSchema>
export type Manifest = z.infer<typeof manifestSchema>
