/**
 * Scheduled tasks of this tab's node (the core's automation engine): next run, last
 * outcome, and a button to run one now. The tab runs the built-in tasks except ledger
 * compaction, which the ledger's own timer keeps doing in the browser.
 */
import { createMeshAutomation } from '../../../protocol/automation/index.ts'
import { card, errorText, fmtAgo, h } from './dom.ts'
import type { Panel, PanelContext } from './panel.ts'
import type { MeshAutomation, TaskStatus } from '../../../protocol/automation/index.ts'

function when (ms: number | null): string {
  if (ms == null) { return '–' }
  const d = new Date(ms)
  return `${d.toLocaleDateString()} ${d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`
}

export function createAutomationPanel (ctx: PanelContext, automation: MeshAutomation = createMeshAutomation(ctx.node, {
  minConnections: 1,
  settings: { 'ledger-compaction': { enabled: false } }
})): Panel {
  const { engine } = automation
  const rows = h('tbody')
  const table = h('table', { class: 'automation', 'aria-label': 'Scheduled tasks' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Task'), h('th', { scope: 'col' }, 'Next run'), h('th', { scope: 'col' }, 'Last outcome'), h('th', { scope: 'col' }, ''))),
    rows
  )
  const { section } = card('automation', 'Automation', table)

  const runNow = async (t: TaskStatus, button: HTMLButtonElement): Promise<void> => {
    button.disabled = true
    try {
      const run = await engine.runNow(t.name)
      ctx.toast(run.outcome === 'success' ? `${t.name}: done` : `${t.name}: ${run.error ?? run.outcome}`, run.outcome === 'success' ? 'info' : 'error')
    } catch (err) {
      ctx.toast(`${t.name}: ${errorText(err)}`, 'error')
    } finally {
      render()
    }
  }

  const render = (): void => {
    rows.replaceChildren(...engine.tasks().map(t => {
      const button = h('button', { type: 'button', disabled: t.running, 'aria-label': `Run ${t.name} now` }, t.running ? 'Running…' : 'Run now')
      button.addEventListener('click', () => { void runNow(t, button) })
      const outcome = t.last_outcome == null ? '–' : `${t.last_outcome}${t.last_run_at != null ? ` (${fmtAgo(t.last_run_at)})` : ''}`
      return h('tr', { 'data-task': t.name, class: t.failing ? 'failing' : '' },
        h('th', { scope: 'row', title: t.description }, t.name),
        h('td', {}, t.settings.enabled ? when(t.next_run_at) : 'disabled'),
        h('td', { class: `outcome ${t.last_outcome ?? ''}` }, outcome),
        h('td', {}, button)
      )
    }))
  }
  const onRun = (): void => { render() }
  engine.addEventListener('run', onRun)
  engine.addEventListener('run:start', onRun)
  automation.start().then(render, err => { ctx.toast(`automation did not start: ${errorText(err)}`, 'error') })
  render()
  return {
    section,
    refresh: render,
    dispose () {
      engine.removeEventListener('run', onRun)
      engine.removeEventListener('run:start', onRun)
      void automation.stop()
    }
  }
}
