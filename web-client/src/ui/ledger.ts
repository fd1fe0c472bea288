/**
 * The distribution ledger: pool statistics, humans, registering a human and running the
 * weekly distribution. Everything shown is derived from the signed entries this tab
 * holds (IndexedDB), so converged nodes show the same figures.
 */
import { isLedgerError } from '../../../protocol/ledger/errors.ts'
import { card, errorText, fmtMoney, h } from './dom.ts'
import type { Panel, PanelContext } from './panel.ts'
import type { Human, SystemStats } from '../../../protocol/ledger/index.ts'

const HUMANS_SHOWN = 100

function stat (label: string, value: string, id: string): HTMLDivElement {
  return h('div', { class: 'stat' }, h('dt', { id: `${id}-label` }, label), h('dd', { 'aria-labelledby': `${id}-label`, 'data-stat': id }, value))
}

export function createLedgerPanel (ctx: PanelContext): Panel {
  const { node } = ctx
  const stats = h('dl', { class: 'stats', 'aria-label': 'Ledger statistics' })
  const { section } = card('ledger', 'Ledger', stats)

  async function refresh (): Promise<void> {
    let s: SystemStats
    try {
      s = await node.ledger.stats()
    } catch {
      return
    }
    stats.replaceChildren(
      stat('Remaining wealth', fmtMoney(s.remainingWealth), 'remaining'),
      stat('Distributed', fmtMoney(s.totalDistributed), 'distributed'),
      stat(`This week (${s.week})`, fmtMoney(s.distributedThisWeek), 'week'),
      stat('Humans', `${s.activeHumans} active / ${s.totalHumans}`, 'humans'),
      stat('Average per human', fmtMoney(s.averagePerHuman), 'average'),
      stat('Authors', String(s.authors), 'authors')
    )
  }
  return { section, refresh }
}

export function createHumansPanel (ctx: PanelContext): Panel {
  const { node } = ctx
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
  const result = h('p', { class: 'form-status', role: 'status' })
  const tbody = h('tbody')
  const table = h('table', { 'aria-label': 'Humans' },
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
    node.ledger.registerHuman({ id, weeklyFlow: flowInput.value.trim() === '' ? undefined : flowInput.value.trim() }).then(human => {
      idInput.value = ''
      flowInput.value = ''
      result.textContent = `Registered ${human.id}.`
      void refresh()
    }, err => {
      ctx.toast(isLedgerError(err) && err.code === 'conflict' ? `${id} is already registered` : `Not registered: ${errorText(err)}`, 'error')
    }).finally(() => { register.disabled = false })
  })
  distribute.addEventListener('click', () => {
    distribute.disabled = true
    node.ledger.distributeWeekly().then(r => {
      result.textContent = r.paid > 0
        ? `Paid ${r.paid} human${r.paid === 1 ? '' : 's'} ${fmtMoney(r.total)} for ${r.week}.`
        : `Nobody to pay for ${r.week} (${r.skipped.alreadyPaid} already paid).`
      void refresh()
    }, err => {
      ctx.toast(`Distribution refused: ${errorText(err)}`, 'error')
    }).finally(() => { distribute.disabled = false })
  })

  const row = (m: Human): HTMLTableRowElement => h('tr', { 'data-human': m.id },
    h('td', {}, m.id),
    h('td', {}, h('span', { class: `status ${m.status}` }, m.status)),
    h('td', {}, fmtMoney(m.weeklyFlow)),
    h('td', { class: 'received' }, fmtMoney(m.totalReceived)),
    h('td', {}, m.lastDistributionWeek ?? '–')
  )
  async function refresh (): Promise<void> {
    try {
      const page = await node.ledger.listHumans({ limit: HUMANS_SHOWN })
      tbody.replaceChildren(...page.items.map(row))
      const n = page.items.length
      if (n === 0) { count.textContent = 'No humans registered yet.' } else { count.textContent = page.nextCursor != null ? `First ${n} humans` : `${n} human${n === 1 ? '' : 's'}` }
    } catch {
      // the ledger is starting or stopping: next tick
    }
  }
  const { section } = card('humans', 'Humans', form, h('div', { class: 'row' }, distribute, result), count, h('div', { class: 'scroll' }, table))
  return { section, refresh }
}
