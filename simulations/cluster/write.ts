/**
 * Write a rendered cluster as YAML files, one object kind per file in apply order, the
 * partition policies in a folder of their own (the driver applies them on schedule), and
 * say what to run.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { validateManifests } from './validate.ts'
import type { RenderedCluster } from './render.ts'

export interface WrittenCluster {
  files: string[]
  /** the commands to apply it and collect the report */
  instructions: string
}

const yamlDocs = (objects: unknown[]): string => objects.map(o => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n')

export async function writeCluster (rendered: RenderedCluster, outDir: string, nodes: number): Promise<WrittenCluster> {
  validateManifests([...rendered.objects, ...rendered.partitions.flatMap(p => p.policies)], { nodes })
  await mkdir(outDir, { recursive: true })
  const files: string[] = []
  const groups: Array<[string, string[]]> = [
    ['00-namespace.yaml', ['Namespace']],
    ['10-config.yaml', ['Secret', 'ConfigMap']],
    ['20-nodes.yaml', ['Service', 'StatefulSet']],
    ['30-driver.yaml', ['ServiceAccount', 'Role', 'RoleBinding', 'Job']]
  ]
  for (const [file, kinds] of groups) {
    const path = join(outDir, file)
    await writeFile(path, yamlDocs(rendered.objects.filter(o => kinds.includes(o.kind))))
    files.push(path)
  }
  if (rendered.partitions.length > 0) {
    await mkdir(join(outDir, 'partitions'), { recursive: true })
    for (const p of rendered.partitions) {
      for (const policy of p.policies) {
        const path = join(outDir, 'partitions', `${policy.metadata.name}.yaml`)
        await writeFile(path, `# applied by the driver at ${p.at} ms into the workload, deleted at ${p.until} ms (the heal)\n` + yamlDocs([policy]))
        files.push(path)
      }
    }
  }
  const { namespace, statefulSet, job } = rendered.names
  const instructions = [
    `kubectl apply -f ${join(outDir, '00-namespace.yaml')} -f ${join(outDir, '10-config.yaml')} -f ${join(outDir, '20-nodes.yaml')}`,
    `kubectl -n ${namespace} rollout status statefulset/${statefulSet} --timeout=30m`,
    `kubectl apply -f ${join(outDir, '30-driver.yaml')}`,
    `kubectl -n ${namespace} wait --for=condition=complete job/${job} --timeout=2h`,
    `kubectl -n ${namespace} logs job/${job} > report.json`,
    `kubectl delete namespace ${namespace}`,
    ...(rendered.partitions.length > 0 ? [`# the driver applies the policies in ${join(outDir, 'partitions')}/ on schedule (partitions need a CNI that enforces NetworkPolicy)`] : [])
  ].join('\n')
  return { files, instructions }
}
