/**
 * The distribution ledger: pool statistics, humans, registering a human and running the
 * weekly distribution, on the node shown. Everything is derived from the signed entries
 * that node holds, so converged nodes show the same figures.
 */
import { SourceError } from '../source/types.ts'
import { card, errorText, fmtMoney, h } from './dom.ts'
import { setStatus } from './panel.ts'
import type { Panel, PanelContext } from './panel.ts'
import type { HumanRow, LedgerStatsView } from '../source/types.ts'

const HUMANS_SHOWN = 100

/** money figures never break inside; the long ones (pool sums) take a whole row */
function stat (label: string, value: string, id: string, wide = false): HTMLDivElement {
  return h('div', { class: wide ? 'stat wide' : 'stat' }, h('dt', { id: `${id}-label` }, label),
    h('dd', { 'aria-labelledby': `${id}-label`, 'data-stat': id }, h('span', { class: 'figure' }, value)))
}

export function createLedgerPanel (ctx: PanelContext): Panel {
  const { source } = ctx
  const stats = h('dl', { class: 'stats', 'aria-label': 'Ledger statistics' })
  const { section } = card('ledger', 'Ledger', stats)
  let shownKey = ''

  async function refresh (): Promise<void> {
    let s: LedgerStatsView
    try {
      s = await source.ledgerStats()
    } catch {
      return
    }
    // re-rendered only when a figure changed (not on every tick)
    const key = JSON.stringify(s)
    if (key === shownKey) { return }
    shownKey = key
    stats.replaceChildren(
      stat('Remaining wealth', fmtMoney(s.remainingWealth), 'remaining', true),
      stat('Distributed', fmtMoney(s.totalDistributed), 'distributed', true),
      stat(`This week (${s.week})`, fmtMoney(s.distributedThisWeek), 'week'),
      stat('Humans', `${s.activeHumans} active / ${s.totalHumans}`, 'humans'),
      stat('Average per human', fmtMoney(s.averagePerHuman), 'average')
    )
  }
  return { section, refresh }
}

export function createHumansPanel (ctx: PanelContext): Panel {
  const { source } = ctx
  const idInput = h('input', { id: 'human-id', name: 'id', type: 'text', required: true, maxlength: 128, pattern: '[A-Za-z0-9_.@\\-]{1,128}', autocomplete: 'off', placeholder: 'e.g. alice@example' })
  const flowInput = h('input', { id: 'human-flow', name: 'weeklyFlow', type: 'text', inputmode: 'decimal', pattern: '\\d{1,13}(\\.\\d{1,2})?', placeholder: '800.00' })
  const register = h('button', { type: 'submit' }, 'Register')
  const form = h('form', { class: 'stack', 'aria-label': 'Register a human' },
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'human-id' }, 'Human id'), idInput),
      h('div', { class: 'field narrow' }, h('label', { for: 'human-flow' }, 'Weekly flow'), flowInput)
    ),
    h('div', { class: 'row end' }, register)
  )
  const distribute = h('button', { type: 'button', class: 'secondary' }, 'Distribute this week')
  // one status line for both actions: the newest outcome replaces the last
  const result = h('p', { class: 'form-status', role: 'status', id: 'humans-status' })
  const tbody = h('tbody')
  const table = h('table', { 'aria-label': 'Humans', class: 'stack-narrow' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, 'Id'),
      h('th', { scope: 'col' }, 'Status'),
      h('th', { scope: 'col' }, 'Weekly'),
      h('th', { scope: 'col' }, 'Received'),
      h('th', { scope: 'col' }, 'Last paid')
    )),
    tbody
  )
  const count = h('p', { class: 'muted' })

  form.addEventListener('submit', evt => {
    evt.preventDefault()
    const id = idInput.value.trim()
    register.disabled = true
    source.registerHuman({ id, weeklyFlow: flowInput.value.trim() === '' ? undefined : flowInput.value.trim() }).then(human => {
      idInput.value = ''
      flowInput.value = ''
      setStatus(result, `Registered ${human.id}.`)
      void refresh()
    }, err => {
      const conflict = err instanceof SourceError && (err.code === 'conflict' || err.status === 409)
      setStatus(result, conflict ? `${id} is already registered.` : `Not registered: ${errorText(err)}`, 'error')
    }).finally(() => { register.disabled = false })
  })
  distribute.addEventListener('click', () => {
    distribute.disabled = true
    source.distribute().then(r => {
      setStatus(result, r.paid > 0
        ? `Paid ${r.paid} human${r.paid === 1 ? '' : 's'} ${fmtMoney(r.total)} for ${r.week}.`
        : `Nobody to pay for ${r.week} (${r.alreadyPaid} already paid).`)
      void refresh()
    }, err => {
      setStatus(result, `Distribution refused: ${errorText(err)}`, 'error')
    }).finally(() => { distribute.disabled = false })
  })

  const row = (m: HumanRow): HTMLTableRowElement => h('tr', { 'data-human': m.id },
    h('td', { 'data-label': 'Id', class: 'human-id' }, m.id),
    h('td', { 'data-label': 'Status' }, h('span', { class: `status ${m.status}` }, m.status)),
    h('td', { 'data-label': 'Weekly', class: 'money' }, fmtMoney(m.weeklyFlow)),
    h('td', { 'data-label': 'Received', class: 'received money' }, fmtMoney(m.totalReceived)),
    h('td', { 'data-label': 'Last paid', class: 'last-paid' }, m.lastDistributionWeek ?? '–')
  )
  async function refresh (): Promise<void> {
    try {
      const page = await source.humans(HUMANS_SHOWN)
      tbody.replaceChildren(...page.items.map(row))
      const n = page.items.length
      if (n === 0) { count.textContent = 'No humans registered yet.' } else { count.textContent = page.more ? `First ${n} humans` : `${n} human${n === 1 ? '' : 's'}` }
    } catch {
      // the ledger is starting or stopping: next tick
    }
  }
  const { section } = card('humans', 'Humans', form, h('div', { class: 'row' }, distribute, result), count, h('div', { class: 'scroll' }, table))
  return { section, refresh }
}
