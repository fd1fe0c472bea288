/**
 * Validation of task settings, shared by the node's config file and the API: a bad
 * value is named by its key (`schedule`, `timeoutMs`, ...) with one line of why.
 */
import { z } from 'zod'
import { cronError, timezoneError } from './schedule.ts'
import type { TaskSettings } from './types.ts'

const DAY_MS = 86_400_000

export const taskSettingsSchema = z.object({
  enabled: z.boolean(),
  schedule: z.string().superRefine((s, ctx) => {
    const error = cronError(s)
    if (error != null) { ctx.addIssue({ code: 'custom', message: `not a valid cron expression: ${error}` }) }
  }),
  timezone: z.string().superRefine((s, ctx) => {
    const error = timezoneError(s)
    if (error != null) { ctx.addIssue({ code: 'custom', message: error }) }
  }),
  jitterMs: z.number().int().min(0, 'must not be negative').max(7 * DAY_MS),
  timeoutMs: z.number().int().min(0, 'must not be negative').max(DAY_MS),
  retries: z.number().int().min(0, 'must not be negative').max(100),
  backoffMs: z.number().int().min(0, 'must not be negative').max(DAY_MS),
  maxBackoffMs: z.number().int().min(0, 'must not be negative').max(DAY_MS),
  missed: z.enum(['run-once', 'skip'])
}).strict()

/** a partial update of one task's settings */
export const taskSettingsPatchSchema = taskSettingsSchema.partial()

export class TaskSettingsError extends Error {
  /** the offending key, e.g. `schedule` */
  readonly key: string
  constructor (key: string, message: string) {
    super(`${key}: ${message}`)
    this.name = 'TaskSettingsError'
    this.key = key
  }
}

/** checks a partial update; throws TaskSettingsError naming the first bad key */
export function validateSettingsPatch (patch: unknown): Partial<TaskSettings> {
  const result = taskSettingsPatchSchema.safeParse(patch)
  if (result.success) { return result.data }
  const issue = result.error.issues[0]
  if (issue.code === 'unrecognized_keys') { throw new TaskSettingsError(issue.keys[0], 'unknown task setting') }
  throw new TaskSettingsError(issue.path.map(String).join('.') || 'settings', issue.message)
}
