/**
 * `npm run plots`: regenerates the plots the README shows, into docs/plots/, by running
 * their scenarios on the virtual clock (deterministic: the same code gives the same
 * figures). Run outputs themselves go to simulations/results/ and are not committed.
 */
import { cp, mkdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runScenario } from './run.ts'
import { loadScenario } from './scenario.ts'

/** scenario → the plots of its run the README uses, as [plot file, name in docs/plots/] */
const README_PLOTS: Array<{ scenario: string, plots: Array<[string, string]> }> = [
  { scenario: 'partition-heal', plots: [['timeline.svg', 'partition-heal-timeline.svg'], ['propagation-cdf.svg', 'partition-heal-propagation-cdf.svg']] }
]

const outDir = process.argv[2] ?? join('docs', 'plots')
await mkdir(outDir, { recursive: true })
for (const { scenario, plots } of README_PLOTS) {
  const work = join(tmpdir(), `liberation-readme-plots-${process.pid}-${scenario}`)
  try {
    const { report } = await runScenario(loadScenario(scenario), { outDir: work })
    for (const [from, to] of plots) {
      await cp(join(work, from), join(outDir, to))
      process.stdout.write(`${join(outDir, to)} (${scenario}: delivery ${(report.truth.deliveryRatio * 100).toFixed(2)}%, ${report.clock} clock)\n`)
    }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
// libp2p leaves a few timers behind after stop; the runs are over
process.exit(0)
