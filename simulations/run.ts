/**
 * Run a scenario in its mode and write what it produced: `report.json`, the plots and
 * `summary.txt` in the output folder.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runInProcess } from './in-process/index.ts'
import { runAttached, runMultiProcess } from './multi-process.ts'
import { writePlots } from './plots.ts'
import { buildReport } from './report.ts'
import { formatSummary } from './summary.ts'
import type { AttachFile } from './launchers/attach.ts'
import type { RunRecord } from './record.ts'
import type { Report } from './report.ts'
import type { RunOptions } from './runner.ts'
import type { Scenario } from './scenario.ts'

export interface ScenarioResult {
  record: RunRecord
  report: Report
  summary: string
  files: string[]
}

export interface RunScenarioOptions extends RunOptions {
  /** write report.json, plots and summary.txt here */
  outDir?: string
  plots?: boolean
  /** also write the raw record (every delivery) as record.json */
  raw?: boolean
  /** drive these running nodes (`--attach nodes.json`) instead of starting any */
  attach?: AttachFile
  /** the API bearer token for attached nodes */
  token?: string
}

export async function runScenario (scenario: Scenario, opts: RunScenarioOptions = {}): Promise<ScenarioResult> {
  const record = opts.attach != null
    ? await runAttached(scenario, opts.attach, opts)
    : scenario.mode === 'multi-process' ? await runMultiProcess(scenario, opts) : await runInProcess(scenario, opts)
  const report = buildReport(record)
  // the timeline samples during the run; the process peaks later when the run was large
  // (building the report from every delivery): what a machine must have is the maximum
  if (record.mode === 'in-process') { report.resources.processPeakRssBytes = process.resourceUsage().maxRSS * 1024 }
  const files: string[] = []
  if (opts.outDir != null) {
    await mkdir(opts.outDir, { recursive: true })
    const reportPath = join(opts.outDir, 'report.json')
    await writeFile(reportPath, JSON.stringify(report, null, 2) + '\n')
    files.push(reportPath)
    if (opts.raw === true) {
      const rawPath = join(opts.outDir, 'record.json')
      await writeFile(rawPath, JSON.stringify(record) + '\n')
      files.push(rawPath)
    }
    if (opts.plots !== false) {
      const plots = await writePlots(report, opts.outDir)
      files.push(...[plots.cdf, plots.hops, plots.timeline].filter((f): f is string => f != null))
    }
  }
  const summary = formatSummary(report, files)
  if (opts.outDir != null) { await writeFile(join(opts.outDir, 'summary.txt'), summary + '\n') }
  return { record, report, summary, files }
}
