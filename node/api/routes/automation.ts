/**
 * The automation engine: its stats, the tasks with their settings, next run and last
 * outcome, changing a task's settings (enable, disable, schedule, ...), running a task
 * now, and the run history. Fields in snake_case; times as ISO-8601 strings.
 */
import { AutomationError } from '../../../protocol/automation/index.ts'
import { MeshError } from '../../../protocol/errors.ts'
import { automationStatsExample, runExample, taskExample, taskPatchExample } from '../examples.ts'
import { errorResponses, errorSchema, freeObject, listSchema, notFoundResponse, pageSchema } from '../schemas.ts'
import type { AutomationEngine, RunRecord, TaskSettings, TaskStatus } from '../../../protocol/automation/index.ts'
import type { ApiContext } from '../server.ts'
import type { FastifyInstance } from 'fastify'

const TASK_NAME = '^[a-z0-9-]{1,64}$'

/** API field name ↔ engine setting */
const SETTING_FIELDS: Array<[string, keyof TaskSettings]> = [
  ['enabled', 'enabled'],
  ['schedule', 'schedule'],
  ['timezone', 'timezone'],
  ['jitter_ms', 'jitterMs'],
  ['timeout_ms', 'timeoutMs'],
  ['retries', 'retries'],
  ['backoff_ms', 'backoffMs'],
  ['max_backoff_ms', 'maxBackoffMs'],
  ['missed', 'missed']
]

const settingsProperties = {
  enabled: { type: 'boolean' },
  schedule: { type: 'string', minLength: 1, maxLength: 200, description: 'cron expression (croner syntax), e.g. "0 1 * * 1"' },
  timezone: { type: 'string', minLength: 1, maxLength: 100, description: 'IANA time zone, default UTC' },
  jitter_ms: { type: 'integer', minimum: 0, description: 'random extra delay per occurrence, up to this' },
  timeout_ms: { type: 'integer', minimum: 0, description: 'an attempt longer than this is aborted; 0 = none' },
  retries: { type: 'integer', minimum: 0, maximum: 100 },
  backoff_ms: { type: 'integer', minimum: 0, description: 'wait before the first retry, doubling' },
  max_backoff_ms: { type: 'integer', minimum: 0 },
  missed: { type: 'string', enum: ['run-once', 'skip'], description: 'an occurrence missed while the node was down: run it once at start, or skip it' }
} as const

const settingsSchema = { type: 'object', properties: settingsProperties } as const

/** times are epoch ms, as everywhere in the API */
const iso = (ms: number | null): number | null => ms
const dateTime = { type: ['integer', 'null'], description: 'epoch ms' } as const

const taskSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    settings: settingsSchema,
    running: { type: 'boolean' },
    next_run_at: { ...dateTime, description: 'when the next scheduled run fires, jitter included; null when disabled' },
    last_run_at: dateTime,
    last_success_at: dateTime,
    last_outcome: { type: ['string', 'null'], enum: ['success', 'failed', 'skipped', null] },
    failing: { type: 'boolean', description: 'failed after its retries and not recovered yet (notified once)' },
    consecutive_failures: { type: 'integer' },
    runs: { type: 'integer', description: 'runs since the node started' },
    failures: { type: 'integer' }
  },
  example: taskExample
} as const

const runSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    task: { type: 'string' },
    trigger: { type: 'string', enum: ['schedule', 'missed', 'manual'] },
    correlation_id: { type: 'string' },
    scheduled_for: dateTime,
    started_at: { type: 'integer', description: 'epoch ms' },
    ended_at: { type: 'integer', description: 'epoch ms' },
    duration_ms: { type: 'integer' },
    outcome: { type: 'string', enum: ['success', 'failed', 'skipped'] },
    attempts: { type: 'integer' },
    error: { type: ['string', 'null'] },
    result: { ...freeObject, nullable: true, description: 'what the run did (e.g. humans paid)' }
  },
  example: runExample
} as const

export function settingsView (s: TaskSettings): Record<string, unknown> {
  return Object.fromEntries(SETTING_FIELDS.map(([field, key]) => [field, s[key]]))
}

export function taskView (t: TaskStatus): Record<string, unknown> {
  return {
    name: t.name,
    description: t.description,
    settings: settingsView(t.settings),
    running: t.running,
    next_run_at: iso(t.next_run_at),
    last_run_at: iso(t.last_run_at),
    last_success_at: iso(t.last_success_at),
    last_outcome: t.last_outcome,
    failing: t.failing,
    consecutive_failures: t.consecutive_failures,
    runs: t.runs,
    failures: t.failures
  }
}

export function runView (r: RunRecord): Record<string, unknown> {
  return {
    ...r,
    scheduled_for: iso(r.scheduled_for),
    started_at: iso(r.started_at),
    ended_at: iso(r.ended_at)
  }
}

function engineOf (ctx: ApiContext): AutomationEngine {
  if (ctx.automation == null) { throw new MeshError('unavailable', 'automation is disabled on this node (automation.enabled: false)') }
  return ctx.automation
}

/** the engine's errors as API errors; a setting is named by its API field */
function automationError (err: unknown): unknown {
  if (!(err instanceof AutomationError)) { return err }
  const field = err.key != null ? SETTING_FIELDS.find(([, key]) => key === err.key)?.[0] ?? err.key : undefined
  let message = err.message
  for (const [f, key] of SETTING_FIELDS) { message = message.replace(new RegExp(`^${key}:`), `${f}:`) }
  switch (err.code) {
    case 'not_found': return new MeshError('not_found', message)
    case 'busy': return new MeshError('conflict', message)
    case 'stopped': return new MeshError('unavailable', message)
    default: return new MeshError('invalid_input', message, { field })
  }
}

async function call<T> (fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw automationError(err)
  }
}

export function registerAutomationRoutes (app: FastifyInstance, ctx: ApiContext): void {
  const nameParams = { type: 'object', required: ['name'], properties: { name: { type: 'string', pattern: TASK_NAME } } } as const
  const busy = { 409: { ...errorSchema, description: 'the task is running already (runs never overlap)' } }
  const disabled = { 503: { ...errorSchema, description: 'automation is disabled on this node' } }

  app.get('/automation/stats', {
    schema: {
      tags: ['automation'],
      summary: 'the automation engine: tasks, running and failing ones, runs since start, the next run',
      response: {
        200: {
          type: 'object',
          properties: {
            started: { type: 'boolean' },
            tasks: { type: 'integer' },
            enabled: { type: 'integer' },
            running: { type: 'array', items: { type: 'string' } },
            failing: { type: 'array', items: { type: 'string' } },
            runs: { type: 'integer' },
            failures: { type: 'integer' },
            history: { type: 'integer', description: 'run records kept' },
            next: { type: ['object', 'null'], properties: { task: { type: 'string' }, at: { type: 'integer', description: 'epoch ms' } } }
          },
          example: automationStatsExample
        },
        ...errorResponses,
        ...disabled
      }
    }
  }, async () => {
    const s = engineOf(ctx).stats()
    return { ...s, next: s.next == null ? null : { task: s.next.task, at: iso(s.next.at) } }
  })

  app.get('/automation/tasks', {
    schema: {
      tags: ['automation'],
      summary: 'every task with its settings, next run and last outcome',
      response: { 200: listSchema(taskSchema), ...errorResponses, ...disabled }
    }
  }, async () => ({ items: engineOf(ctx).tasks().map(taskView) }))

  app.get<{ Params: { name: string } }>('/automation/tasks/:name', {
    schema: { tags: ['automation'], summary: 'one task', params: nameParams, response: { 200: taskSchema, ...errorResponses, ...notFoundResponse, ...disabled } }
  }, async request => {
    const t = engineOf(ctx).task(request.params.name)
    if (t == null) { throw new MeshError('not_found', `no automation task ${request.params.name}`) }
    return taskView(t)
  })

  app.patch<{ Params: { name: string }, Body: Record<string, unknown> }>('/automation/tasks/:name', {
    schema: {
      tags: ['automation'],
      summary: 'change a task\'s settings (kept across restarts; they override the config file)',
      params: nameParams,
      body: { type: 'object', additionalProperties: false, minProperties: 1, properties: settingsProperties, example: taskPatchExample },
      response: { 200: taskSchema, ...errorResponses, ...notFoundResponse, ...disabled }
    }
  }, async request => {
    const patch: Record<string, unknown> = {}
    for (const [field, key] of SETTING_FIELDS) { if (request.body[field] !== undefined) { patch[key] = request.body[field] } }
    return taskView(await call(async () => engineOf(ctx).update(request.params.name, patch)))
  })

  app.post<{ Params: { name: string } }>('/automation/run-task/:name', {
    schema: {
      tags: ['automation'],
      summary: 'run a task now (retries included) and answer with its run record',
      params: nameParams,
      response: { 200: runSchema, ...errorResponses, ...notFoundResponse, ...busy, ...disabled }
    }
  }, async request => runView(await call(async () => engineOf(ctx).runNow(request.params.name, { correlationId: request.id }))))

  app.get<{ Querystring: { task?: string, cursor?: string, limit: number } }>('/automation/runs', {
    schema: {
      tags: ['automation'],
      summary: 'the run history, newest first',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          task: { type: 'string', pattern: TASK_NAME },
          cursor: { type: 'string', pattern: '^[0-9a-f]{1,64}$', description: 'next_cursor of the previous page' },
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 }
        }
      },
      response: { 200: pageSchema(runSchema), ...errorResponses, ...disabled }
    }
  }, async request => {
    const page = await engineOf(ctx).runs(request.query)
    return { items: page.items.map(runView), next_cursor: page.nextCursor ?? null }
  })
}
