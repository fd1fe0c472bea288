/** ISO-8601 weeks ("2025-W23"), the unit of the weekly distribution. All in UTC. */

const WEEK = /^(\d{4})-W(\d{2})$/
const DAY = 86_400_000

export interface IsoWeek {
  year: number
  week: number
}

export function isoWeekOf (ms: number): IsoWeek {
  const d = new Date(ms)
  const day = d.getUTCDay() === 0 ? 7 : d.getUTCDay()
  // the Thursday of this week decides its year
  const thursday = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 4 - day)
  const year = new Date(thursday).getUTCFullYear()
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / DAY / 7) + 1
  return { year, week }
}

export function formatIsoWeek ({ year, week }: IsoWeek): string {
  return `${String(year).padStart(4, '0')}-W${String(week).padStart(2, '0')}`
}

/** "2025-W23" for a time in ms. */
export function isoWeek (ms: number): string {
  return formatIsoWeek(isoWeekOf(ms))
}

/** Number of ISO weeks in a year (52 or 53): 28 December is always in the last one. */
export function weeksInYear (year: number): number {
  return isoWeekOf(Date.UTC(year, 11, 28)).week
}

/** True when `s` names a real ISO week ("2025-W23"; "2025-W54" is not). */
const validWeeks = new Set<string>()

export function isIsoWeek (s: string): boolean {
  if (validWeeks.has(s)) { return true }
  const m = WEEK.exec(s)
  if (m == null) { return false }
  const year = Number(m[1])
  const week = Number(m[2])
  const valid = year >= 1970 && week >= 1 && week <= weeksInYear(year)
  if (valid && validWeeks.size < 10_000) { validWeeks.add(s) }
  return valid
}

/** Start of an ISO week (Monday 00:00 UTC), ms. */
export function isoWeekStart (s: string): number {
  const m = WEEK.exec(s)
  if (m == null) { throw new RangeError(`not an ISO week: ${s}`) }
  const year = Number(m[1])
  const jan4 = Date.UTC(year, 0, 4)
  const jan4Day = new Date(jan4).getUTCDay() === 0 ? 7 : new Date(jan4).getUTCDay()
  return jan4 - (jan4Day - 1) * DAY + (Number(m[2]) - 1) * 7 * DAY
}
