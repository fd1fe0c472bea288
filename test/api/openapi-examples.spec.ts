/**
 * Problem #14 (part) of the operator's node: the OpenAPI document a node serves describes
 * every operation, gives an example for every answer and request body, and the error
 * answers with their schema. The examples are checked against their own schemas, so an
 * example cannot drift from what the API answers.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnCli } from '../utils/process.ts'
import { startApiNode, stopAll } from './utils.ts'
import type { ApiNode } from './utils.ts'

interface Operation {
  where: string
  op: any
}

function operations (doc: any): Operation[] {
  const out: Operation[] = []
  for (const [path, ops] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(ops)) {
      out.push({ where: `${method.toUpperCase()} ${path}`, op })
    }
  }
  return out
}

/** the example of a media type: its own, or its schema's */
function exampleOf (media: any): unknown {
  return media?.example ?? media?.schema?.example
}

describe('OpenAPI document: descriptions, examples, error schemas (#14)', () => {
  let n: ApiNode
  let doc: any
  const ajv = new Ajv({ strict: false, allErrors: true })
  addFormats.default(ajv)

  beforeAll(async () => {
    n = await startApiNode()
    const res = await fetch(`${n.url}/docs/json`)
    expect(res.status).toBe(200)
    doc = await res.json()
  })
  afterAll(stopAll)

  it('is the document /openapi.json serves, with every operation', async () => {
    expect(await (await fetch(`${n.url}/openapi.json`)).json()).toEqual(doc)
    expect(operations(doc).length).toBeGreaterThan(50)
  })

  it('is the document the build generates and the built CLI\'s node serves', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'liberation-openapi-'))
    const p = spawnCli(['start', '--data-dir', dir, '--listen', '/ip4/127.0.0.1/tcp/0', '--api-port', '0', '--no-mdns', '--no-dht', '--no-relay'])
    try {
      const [, url] = await p.waitForLine(/^api: (\S+)$/m, 60_000)
      const built = await (await fetch(`${url}/docs/json`)).json()
      // the checks below hold for what users get: the same operations, descriptions and examples
      expect(built.paths).toEqual(doc.paths)
    } finally {
      p.child.kill('SIGTERM')
      await p.exited
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('every operation is described', () => {
    const lacking = operations(doc).filter(({ op }) => typeof op.description !== 'string' || op.description.trim().length < 5 || /Default Response/.test(JSON.stringify(op.responses)))
    expect(lacking.map(o => o.where)).toEqual([])
  })

  it('every answer and every request body has an example, valid against its schema', () => {
    const problems: string[] = []
    const check = (where: string, media: any): void => {
      const example = exampleOf(media)
      if (example === undefined) {
        problems.push(`${where}: no example`)
        return
      }
      const { example: _own, ...schema } = media.schema ?? {}
      const validate = ajv.compile(schema)
      if (!validate(example)) { problems.push(`${where}: example does not match its schema: ${ajv.errorsText(validate.errors)}`) }
    }
    for (const { where, op } of operations(doc)) {
      for (const [status, response] of Object.entries<any>(op.responses)) {
        if (Number(status) >= 300) { continue }
        const media = Object.entries<any>(response.content ?? {})
        if (media.length === 0) { problems.push(`${where} ${status}: no content`) }
        for (const [type, m] of media) { check(`${where} ${status} ${type}`, m) }
      }
      const body = op.requestBody?.content?.['application/json']
      if (body != null) { check(`${where} request body`, body) }
    }
    expect(problems).toEqual([])
  })

  it('every operation has error answers, each with the error schema', () => {
    const problems: string[] = []
    for (const { where, op } of operations(doc)) {
      const errors = Object.entries<any>(op.responses).filter(([status]) => Number(status) >= 400)
      if (errors.length === 0) { problems.push(`${where}: no error answers`) }
      for (const [status, response] of errors) {
        const schema = response.content?.['application/json']?.schema
        if (schema?.properties?.code?.type !== 'string' || schema?.properties?.message?.type !== 'string' || !(schema.required ?? []).includes('code')) {
          problems.push(`${where} ${status}: not the error schema`)
        }
        if (exampleOf(response.content?.['application/json']) === undefined) { problems.push(`${where} ${status}: no example`) }
      }
    }
    expect(problems).toEqual([])
  })
})
