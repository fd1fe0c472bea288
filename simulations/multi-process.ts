import type { RunOptions } from './in-process.js'
import type { RunRecord } from './record.js'
import type { Scenario } from './scenario.js'

export async function runMultiProcess (_scenario: Scenario, _opts: RunOptions = {}): Promise<RunRecord> {
  throw new Error('multi-process mode: in progress')
}
