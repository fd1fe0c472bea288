/**
 * The dashboard's automation panel in Chromium (one tab against a `liberation start --web`
 * node, in a loopback-only network namespace): it lists the tab node's tasks with their
 * next run, and "Run now" runs one and shows its outcome.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetns, launchChromium, LOOPBACK_PAGE, openTab, startWebNode } from '../browser/harness.ts'
import type { Chromium, Netns, Tab, WebNode } from '../browser/harness.ts'

describe('automation panel in the browser', () => {
  let ns: Netns
  let node: WebNode
  let chrome: Chromium
  let tab: Tab

  beforeAll(async () => {
    ns = await createNetns()
    ;[node, chrome] = await Promise.all([startWebNode(ns), launchChromium(ns)])
  })

  afterAll(async () => {
    await chrome?.close()
    await node?.stop()
    await ns?.close()
  })

  it('shows next runs and runs a task on "Run now"', async () => {
    tab = await openTab(chrome.browser, 'A')
    await tab.page.goto(node.url + LOOPBACK_PAGE)
    const weekly = tab.page.locator('#automation tr[data-task="weekly-distribution"]')
    await weekly.waitFor({ timeout: 20_000 })
    // enabled, with a next run (not "disabled" or a dash)
    await expect.poll(async () => weekly.locator('td').first().textContent(), { timeout: 10_000 }).toMatch(/\d/)
    expect(await tab.page.locator('#automation tr[data-task="ledger-compaction"] td').first().textContent()).toBe('disabled')

    const housekeeping = tab.page.locator('#automation tr[data-task="housekeeping"]')
    expect(await housekeeping.locator('td.outcome').textContent()).toBe('–')
    await housekeeping.getByRole('button', { name: 'Run housekeeping now' }).click()
    await expect.poll(async () => housekeeping.locator('td.outcome').textContent(), { timeout: 10_000 }).toMatch(/^success/)
    const runs = await tab.page.evaluate(() => (window as any).liberation.node.events.history({ type: 'automation:run-finished' }).map((e: any) => [e.data.task, e.data.outcome, e.data.trigger]))
    expect(runs).toContainEqual(['housekeeping', 'success', 'manual'])
    expect(tab.errors).toEqual([])
  })
})
