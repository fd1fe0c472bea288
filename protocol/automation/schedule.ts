/**
 * Cron schedules (croner) evaluated against a clock the engine is given: croner only
 * computes occurrences here, it never sets timers, so tests can move time at will.
 */
import { Cron } from 'croner'

export interface Schedule {
  readonly pattern: string
  readonly timezone: string
  /** the first occurrence strictly after `after` (ms), or undefined when there is none */
  next(after: number): number | undefined
  /** the latest occurrence at or before `at` (ms), or undefined */
  previous(at: number): number | undefined
}

/** why a cron pattern is not valid, or undefined when it is */
export function cronError (pattern: string): string | undefined {
  try {
    // eslint-disable-next-line no-new
    new Cron(pattern, { paused: true })
    return undefined
  } catch (err: any) {
    return String(err.message ?? err)
  }
}

/** why a time zone name is not valid (IANA names like "UTC", "Europe/Berlin"), or undefined */
export function timezoneError (timezone: string): string | undefined {
  try {
    // eslint-disable-next-line no-new
    new Intl.DateTimeFormat('en', { timeZone: timezone })
    return undefined
  } catch {
    return `unknown time zone "${timezone}"`
  }
}

export function createSchedule (pattern: string, timezone = 'UTC'): Schedule {
  const cron = new Cron(pattern, { paused: true, timezone })
  return {
    pattern,
    timezone,
    next (after) {
      return cron.nextRun(new Date(after))?.getTime()
    },
    previous (at) {
      // previousRuns looks strictly before its reference
      return cron.previousRuns(1, new Date(at + 1))[0]?.getTime()
    }
  }
}
