/**
 * Progress while a run goes: one bar per phase on stderr (cli-progress), quiet when
 * stderr is not a terminal unless asked.
 */
import { SingleBar } from 'cli-progress'

export type Phase = 'start' | 'link' | 'mesh' | 'workload' | 'settle' | 'stop'

export interface Progress {
  phase: Phase
  done: number
  total: number
  /** run clock, ms */
  t: number
  /** (message, node) pairs held / expected so far */
  delivered?: number
  expected?: number
}

const LABELS: Record<Phase, string> = {
  start: 'starting nodes',
  link: 'linking',
  mesh: 'gossip meshes',
  workload: 'workload',
  settle: 'settling',
  stop: 'stopping'
}

export interface ProgressView {
  update(p: Progress): void
  stop(): void
}

export function createProgressBar (stream: NodeJS.WriteStream = process.stderr): ProgressView {
  let bar: SingleBar | undefined
  let phase: Phase | undefined
  let lastDraw = 0
  return {
    update (p) {
      if (p.phase !== phase) {
        bar?.stop()
        phase = p.phase
        bar = new SingleBar({
          stream,
          format: '{label} [{bar}] {percentage}% | {value}/{total}{unit} | {extra}',
          barsize: 30,
          hideCursor: true,
          clearOnComplete: false,
          noTTYOutput: false,
          notTTYSchedule: 5000
        })
        bar.start(Math.max(1, Math.round(p.total)), 0, { label: LABELS[p.phase].padEnd(14), unit: '', extra: '' })
      }
      const now = Date.now()
      if (now - lastDraw < 100 && p.done < p.total) { return }
      lastDraw = now
      const unit = p.phase === 'workload' || p.phase === 'settle' ? ' ms' : ''
      const extra = p.expected != null && p.expected > 0
        ? `held ${p.delivered ?? 0}/${p.expected} (${(100 * (p.delivered ?? 0) / p.expected).toFixed(1)}%)`
        : ''
      bar?.setTotal(Math.max(1, Math.round(p.total)))
      bar?.update(Math.min(Math.round(p.done), Math.round(p.total)), { unit, extra })
    },
    stop () {
      bar?.stop()
      bar = undefined
    }
  }
}
