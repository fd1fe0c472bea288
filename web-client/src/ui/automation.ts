/**
 * Scheduled tasks of the node shown (its automation engine): next run, last outcome, and a
 * button to run one now. Reads and acts through the dashboard's source, so it works for the
 * serving node (its API) and for the tab's own node alike.
 */
import { card, errorText, fmtAgo, h } from './dom.ts'
import type { Panel, PanelContext } from './panel.ts'
import type { AutomationTaskRow } from '../source/types.ts'

function when (ms: number | null): string {
  if (ms == null) { return '–' }
  const d = new Date(ms)
  return `${d.toLocaleDateString()} ${d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`
}

export function createAutomationPanel (ctx: PanelContext): Panel {
  const rows = h('tbody')
  const table = h('table', { class: 'automation', 'aria-label': 'Scheduled tasks' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Task'), h('th', { scope: 'col' }, 'Next run'), h('th', { scope: 'col' }, 'Last outcome'), h('th', { scope: 'col' }, ''))),
    rows
  )
  const { section } = card('automation', 'Automation', table)
  const running = new Set<string>()

  const runNow = async (t: AutomationTaskRow): Promise<void> => {
    running.add(t.name)
    await refresh()
    try {
      const run = await ctx.source.runTask(t.name)
      ctx.toast(run.outcome === 'success' ? `${t.name}: done` : `${t.name}: ${run.error ?? run.outcome}`, run.outcome === 'success' ? 'info' : 'error')
    } catch (err) {
      ctx.toast(`${t.name}: ${errorText(err)}`, 'error')
    } finally {
      running.delete(t.name)
      await refresh()
    }
  }

  const render = (tasks: AutomationTaskRow[]): void => {
    rows.replaceChildren(...tasks.map(t => {
      const busy = t.running || running.has(t.name)
      const button = h('button', { type: 'button', disabled: busy, 'aria-label': `Run ${t.name} now` }, busy ? 'Running…' : 'Run now')
      button.addEventListener('click', () => { void runNow(t) })
      const outcome = t.lastOutcome == null ? '–' : `${t.lastOutcome}${t.lastRunAt != null ? ` (${fmtAgo(t.lastRunAt)})` : ''}`
      return h('tr', { 'data-task': t.name, class: t.failing ? 'failing' : '' },
        h('th', { scope: 'row', title: t.description }, t.name),
        h('td', {}, t.enabled ? when(t.nextRunAt) : 'disabled'),
        h('td', { class: `outcome ${t.lastOutcome ?? ''}` }, outcome),
        h('td', {}, button)
      )
    }))
  }

  const refresh = async (): Promise<void> => {
    try {
      render(await ctx.source.automationTasks())
    } catch (err) {
      rows.replaceChildren(h('tr', {}, h('td', { colspan: '4' }, `tasks unavailable: ${errorText(err)}`)))
    }
  }
  void refresh()
  return { section, refresh }
}
