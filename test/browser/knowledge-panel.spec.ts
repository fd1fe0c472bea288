/**
 * The dashboard's knowledge panel in Chromium, in the node view (the page served by
 * `liberation start --web` shows that node through its API): write an entry, find it by
 * search with its match highlighted, open it (Markdown rendered, a `<script>` in it neither
 * run nor kept in the page) and rate it; the node's API agrees with what the page shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetns, launchChromium, openTab, startWebNode } from './harness.ts'
import type { Chromium, Netns, Tab, WebNode } from './harness.ts'

describe('knowledge panel (node view)', () => {
  let ns: Netns
  let server: WebNode
  let chrome: Chromium
  let tab: Tab | undefined

  beforeAll(async () => {
    ns = await createNetns()
    ;[server, chrome] = await Promise.all([startWebNode(ns), launchChromium(ns)])
  }, 120_000)

  afterAll(async () => {
    await tab?.context.close()
    await chrome?.close()
    await server?.stop()
    await ns?.close()
  })

  it('writes an entry, finds it by search, opens it sanitised, rates it', async () => {
    tab = await openTab(chrome.browser, 'knowledge')
    const { page } = tab
    await page.goto(server.url + '/')
    await page.locator('[data-view="node"]').waitFor({ timeout: 15_000 })
    const panel = page.locator('#knowledge')
    await panel.waitFor()

    // write: the Markdown carries a script and an inline handler, as a hostile author would
    await panel.getByText('Write an entry').click()
    await panel.getByLabel('Title').fill('Solar pump priming')
    await panel.getByLabel('Type').selectOption('solution')
    await panel.getByLabel('Tags').fill('water, repair')
    await panel.getByLabel('Content').fill([
      '# Priming the pump',
      '',
      'Fill the **intake** with water before starting.',
      '',
      '<script>window.__pwned = true; document.title = "pwned"</script>',
      '<img src="x" onerror="window.__pwned = true">'
    ].join('\n'))
    await panel.getByRole('button', { name: 'Publish' }).click()
    await panel.getByText('Published.').waitFor({ timeout: 10_000 })

    // the node stored it, signed by itself
    const listed = await page.evaluate(async () => (await fetch('/api/v1/knowledge')).json())
    expect(listed.items).toHaveLength(1)
    const entry = listed.items[0]
    expect(entry.title).toBe('Solar pump priming')
    expect(entry.author).toBe(server.peerId)
    expect(entry.type).toBe('solution')
    expect(entry.tags).toEqual(['water', 'repair'])

    // search: the hit is listed with the matched word in <mark>
    await panel.getByLabel('Close entry').click()
    await panel.getByRole('searchbox').fill('intake')
    await panel.getByRole('button', { name: 'Search' }).click()
    const hit = panel.locator(`.knowledge-results li[data-entry="${entry.id as string}"]`)
    await hit.waitFor({ timeout: 10_000 })
    expect((await hit.locator('mark').allTextContents()).map(t => t.toLowerCase())).toContain('intake')
    // a search that matches nothing says so
    await panel.getByRole('searchbox').fill('zebrafinch')
    await panel.getByRole('button', { name: 'Search' }).click()
    await panel.getByText('Nothing found.').waitFor()
    await panel.getByRole('searchbox').fill('intake')
    await panel.getByRole('button', { name: 'Search' }).click()
    await hit.waitFor()

    // open: Markdown rendered, the script and the handler gone and never run
    await hit.getByRole('button', { name: 'Open Solar pump priming' }).click()
    const reader = panel.locator('article.knowledge-entry')
    await reader.locator('h1', { hasText: 'Priming the pump' }).waitFor()
    expect(await reader.locator('.markdown strong').textContent()).toBe('intake')
    expect(await reader.locator('script').count()).toBe(0)
    expect(await page.locator('#knowledge script').count()).toBe(0)
    expect(await reader.locator('[onerror]').count()).toBe(0)
    expect(await reader.locator('.markdown').textContent()).not.toContain('__pwned')
    expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined()
    expect(await page.title()).not.toBe('pwned')

    // rate: the aggregate shown is the node's
    await reader.getByRole('button', { name: 'Rate 4 of 5' }).click()
    await reader.getByText('Rated 4.').waitFor({ timeout: 10_000 })
    expect(await reader.locator('.rating').getAttribute('data-rating-count')).toBe('1')
    expect(await reader.locator('.rating').textContent()).toContain('4.0')
    // a second rating by the same node replaces the first
    await reader.getByRole('button', { name: 'Rate 2 of 5' }).click()
    await reader.getByText('Rated 2.').waitFor({ timeout: 10_000 })
    const stored = await page.evaluate(async (id: string) => (await fetch(`/api/v1/knowledge/${id}`)).json(), entry.id as string)
    expect(stored.rating).toEqual({ mean: 2, count: 1 })
    expect(await reader.locator('.rating').textContent()).toContain('2.0 (1)')

    // a bad write (empty title) is refused with a clear message and stores nothing
    await panel.getByLabel('Content').fill('no title')
    await page.evaluate(() => { document.querySelector<HTMLInputElement>('#kn-title')?.removeAttribute('required') })
    await panel.getByRole('button', { name: 'Publish' }).click()
    await panel.getByText(/Not published:/).waitFor({ timeout: 10_000 })
    const after = await page.evaluate(async () => (await fetch('/api/v1/knowledge')).json())
    expect(after.items).toHaveLength(1)

    expect(tab.errors.filter(e => !/Failed to load resource: .* (400|404)/.test(e))).toEqual([])
  }, 120_000)
})
