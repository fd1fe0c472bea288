import { readdirSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ScenarioError, loadScenario, standardScenarioDir, validateScenario } from '../../../simulations/scenario.ts'
import { buildSchedule } from '../../../simulations/schedule.ts'
import { buildTopology, clusterMembers, linkProfiles, shortestPaths } from '../../../simulations/topology.ts'
import type { ScenarioInput } from '../../../simulations/scenario.ts'

const base: ScenarioInput = { nodes: 12, topology: { kind: 'ring' } }

function invalid (value: unknown): string {
  try {
    validateScenario(value, 'test scenario')
  } catch (err: any) {
    expect(err).toBeInstanceOf(ScenarioError)
    return err.message
  }
  throw new Error('expected the scenario to be refused')
}

describe('scenario files', () => {
  let dir: string
  beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'liberation-sim-scenario-')) })
  afterAll(async () => { await rm(dir, { recursive: true, force: true }) })

  it('reads YAML and JSON, with durations as strings and defaults filled in', async () => {
    const yaml = join(dir, 'a.yaml')
    await writeFile(yaml, 'name: a\nnodes: 8\ntopology: { kind: random, degree: 3 }\nlinks: { latency: 15ms, jitter: 2 }\nworkload:\n  truth: { messages: 40, rate: 20 }\nsettle: 2s\n')
    const s = loadScenario(yaml)
    expect(s.name).toBe('a')
    expect(s.links).toMatchObject({ latency: 15, jitter: 2, loss: 0 })
    expect(s.settle).toBe(2000)
    // 40 messages at 20/s need 2 s of workload
    expect(s.duration).toBe(2000)
    expect(s.mode).toBe('in-process')
    expect(s.stack.encryption).toBe('noise')

    const json = join(dir, 'b.json')
    await writeFile(json, JSON.stringify({ nodes: 5, topology: { kind: 'star', center: 2 }, duration: '1.5s' }))
    const j = loadScenario(json)
    expect(j.topology).toEqual({ kind: 'star', center: 2 })
    expect(j.duration).toBe(1500)
  })

  it('applies flag overrides before validation, so a bad flag is refused like a bad field', async () => {
    const file = join(dir, 'c.yaml')
    await writeFile(file, 'nodes: 10\ntopology: { kind: ring }\n')
    const s = loadScenario(file, { nodes: 20, topology: 'random', degree: 4, latency: '30ms', messages: 7, seed: 'x' })
    expect(s.nodes).toBe(20)
    expect(s.topology).toEqual({ kind: 'random', degree: 4 })
    expect(s.links.latency).toBe(30)
    expect(s.workload.truth?.messages).toBe(7)
    expect(s.seed).toBe('x')
    expect(() => loadScenario(file, { topology: 'random' })).toThrow(/topology\.degree/)
    expect(() => loadScenario(file, { degree: 3, topology: 'random', nodes: 11 })).toThrow(/must be even/)
  })

  it('finds the standard scenarios by name', () => {
    const s = loadScenario('random-200')
    expect(s.nodes).toBe(200)
    expect(s.topology).toEqual({ kind: 'random', degree: 6 })
    expect(s.workload.truth?.messages).toBe(1000)
    expect(() => loadScenario('no-such-scenario')).toThrow(ScenarioError)
  })

  it('every standard scenario is valid', () => {
    const names = readdirSync(standardScenarioDir()).filter(f => f.endsWith('.yaml')).map(f => f.replace(/\.yaml$/, ''))
    expect(names.length).toBeGreaterThanOrEqual(5)
    for (const name of names) {
      const s = loadScenario(name)
      expect(s.name).toBe(name)
      // and each builds its graph
      expect(buildTopology(s).isConnected()).toBe(true)
    }
  })

  it('refuses unreadable and malformed files with the file named', async () => {
    const bad = join(dir, 'bad.yaml')
    await writeFile(bad, 'nodes: [1, 2\n')
    expect(() => loadScenario(bad)).toThrow(/bad\.yaml is not valid YAML/)
    const list = join(dir, 'list.json')
    await writeFile(list, '[1, 2]')
    expect(() => loadScenario(list)).toThrow(/must hold an object/)
  })

  it('names the field of every kind of bad value', () => {
    expect(invalid({ topology: { kind: 'ring' } })).toMatch(/nodes/)
    expect(invalid({ ...base, nodes: 1 })).toMatch(/nodes/)
    expect(invalid({ ...base, nodes: 10_001 })).toMatch(/nodes/)
    expect(validateScenario({ ...base, nodes: 10_000 }).nodes).toBe(10_000)
    expect(invalid({ ...base, colour: 'red' })).toMatch(/unknown field colour/)
    expect(invalid({ ...base, topology: { kind: 'hypercube' } })).toMatch(/topology/)
    expect(invalid({ ...base, topology: { kind: 'random', degree: 12 } })).toMatch(/topology\.degree: must be less than nodes/)
    expect(invalid({ ...base, topology: { kind: 'star', center: 40 } })).toMatch(/topology\.center/)
    expect(invalid({ ...base, topology: { kind: 'edges', edges: [[0, 1], [1, 99]] } })).toMatch(/topology\.edges\.1/)
    expect(invalid({ ...base, topology: { kind: 'edges', edges: [[3, 3]] } })).toMatch(/itself/)
    expect(invalid({ ...base, links: { latency: -5 } })).toMatch(/links\.latency/)
    expect(invalid({ ...base, links: { latency: 'fast' } })).toMatch(/links\.latency: a duration/)
    expect(invalid({ ...base, links: { loss: 0.9 } })).toMatch(/links\.loss/)
    expect(invalid({ ...base, partitions: [{ at: 0, duration: 10, side: '5-20' }] })).toMatch(/partitions\.0\.side: range 5-20 names node 20/)
    expect(invalid({ ...base, partitions: [{ at: 0, duration: 10, side: [] }] })).toMatch(/partitions\.0\.side/)
    expect(invalid({ ...base, kills: [{ at: 0 }] })).toMatch(/exactly one of node, route/)
    expect(invalid({ ...base, kills: [{ at: 0, route: [2, 2] }] })).toMatch(/kills\.0\.route/)
    expect(invalid({ ...base, workload: { truth: { rate: 0 } } })).toMatch(/workload\.truth\.rate/)
    expect(invalid({ ...base, workload: { truth: { channel: 'Bad Channel' } } })).toMatch(/workload\.truth\.channel/)
    expect(invalid({ ...base, mode: 'multi-process', nodes: 100 })).toMatch(/multi-process/)
    expect(invalid({ ...base, stack: { encryption: 'none' } })).toMatch(/stack\.encryption/)
  })
})

describe('topologies', () => {
  const topo = (t: unknown, nodes = 12, seed: number | string = 1): ReturnType<typeof buildTopology> => buildTopology(validateScenario({ nodes, topology: t, seed }))

  it('builds each kind with the expected shape, connected', () => {
    const line = topo({ kind: 'line' })
    expect(line.edges).toHaveLength(11)
    expect(line.degree(0)).toBe(1)
    const ring = topo({ kind: 'ring' })
    expect(ring.edges).toHaveLength(12)
    expect(Array.from({ length: 12 }, (_, i) => ring.degree(i))).toEqual(new Array(12).fill(2))
    const star = topo({ kind: 'star', center: 3 })
    expect(star.degree(3)).toBe(11)
    expect(star.neighbours(5)).toEqual([3])
    const full = topo({ kind: 'full' })
    expect(full.edges).toHaveLength(66)
    const random = topo({ kind: 'random', degree: 4 }, 20)
    expect(Array.from({ length: 20 }, (_, i) => random.degree(i))).toEqual(new Array(20).fill(4))
    const clustered = topo({ kind: 'clustered', clusters: 3, degree: 3, bridges: 2 }, 18)
    const members = clusterMembers(18, 3)
    const crossing = clustered.edges.filter(([a, b]) => members.findIndex(m => m.includes(a)) !== members.findIndex(m => m.includes(b)))
    // three clusters in a ring, two bridges between each neighbouring pair
    expect(crossing).toHaveLength(6)
    const given = topo({ kind: 'edges', edges: [[0, 1], [1, 2], [2, 0], [2, 3]] }, 4)
    expect(given.edges).toHaveLength(4)
    for (const t of [line, ring, star, full, random, clustered, given]) { expect(t.isConnected()).toBe(true) }
  })

  it('gives the same graph and schedule for the same seed, and another for another seed', () => {
    const scenario = (seed: number): ReturnType<typeof validateScenario> => validateScenario({
      nodes: 30,
      seed,
      topology: { kind: 'random', degree: 4 },
      workload: { truth: { messages: 50, rate: 10 } },
      churn: { leaveRate: 1, downtime: 1000, joinRate: 0.5 },
      partitions: [{ at: 500, duration: 1000, side: { fraction: 0.3 } }]
    })
    const a1 = scenario(7)
    const a2 = scenario(7)
    const b = scenario(8)
    const ta1 = buildTopology(a1)
    const ta2 = buildTopology(a2)
    const tb = buildTopology(b)
    expect(ta1.edges).toEqual(ta2.edges)
    expect(ta1.edges).not.toEqual(tb.edges)
    const sa1 = buildSchedule(a1, ta1)
    const sa2 = buildSchedule(a2, ta2)
    const sb = buildSchedule(b, tb)
    expect(sa1).toEqual(sa2)
    expect(sa1.posts).not.toEqual(sb.posts)
    expect(sa1.posts).toHaveLength(50)
    expect(sa1.actions.some(a => a.kind === 'leave')).toBe(true)
    expect(sa1.actions.some(a => a.kind === 'rejoin')).toBe(true)
    expect(sa1.actions.some(a => a.kind === 'join')).toBe(true)
    const partition = sa1.actions.find(a => a.kind === 'partition')
    expect(partition).toMatchObject({ t: 500, until: 1500 })
    // joiners are linked into the graph
    expect(sa1.totalNodes).toBeGreaterThan(30)
    expect(ta1.nodes).toBe(sa1.totalNodes)
  })

  it('computes ideal latency and hops on the weighted graph', () => {
    // 0-1-2-3 line of 10 ms links, plus a 100 ms shortcut 0-3: the ideal goes around it
    const s = validateScenario({
      nodes: 4,
      topology: { kind: 'edges', edges: [[0, 1], [1, 2], [2, 3], [0, 3]] },
      links: { latency: 10, overrides: [{ between: [0, 3], latency: 100 }] }
    })
    const p = shortestPaths(buildTopology(s), 0, linkProfiles(s))
    expect(Array.from(p.latency)).toEqual([0, 10, 20, 30])
    expect(Array.from(p.hops)).toEqual([0, 1, 2, 3])
    expect(p.path(3)).toEqual([0, 1, 2, 3])
  })
})
