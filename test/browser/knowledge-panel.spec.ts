/**
 * The dashboard's knowledge panel in Chromium, in the node view (the page served by
 * `liberation start --web` shows that node through its API): write an entry, find it by
 * search with its match highlighted, open it (Markdown rendered, a `<script>` in it neither
 * run nor kept in the page) and rate it; the node's API agrees with what the page shows.
 * Then a learning session edited at once by two tabs (tab view, each its own node) and
 * the Node node through its API: all three end with the same text and each tab shows all
 * three present; a tab that went offline and edited converges when back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNetns, launchChromium, LOOPBACK_PAGE, nsFetch, openTab, startWebNode } from './harness.ts'
import type { Chromium, Netns, Tab, WebNode } from './harness.ts'
import type { Page } from 'playwright-core'

async function peerIdOf (page: Page): Promise<string> {
  const el = page.locator('[data-peer-id]')
  // a tab's node takes a while to start on a loaded box (IndexedDB, key, libp2p)
  await el.waitFor({ timeout: 40_000 })
  return await el.getAttribute('data-peer-id') as string
}

/** opens the session editor of a page and joins the session (its charter may still be on its way) */
async function joinSession (page: Page, id: string): Promise<void> {
  const panel = page.locator('#knowledge')
  await panel.getByText('Learning session').click()
  await expect.poll(async () => panel.locator(`#kn-session option[value="${id}"]`).count(), { timeout: 20_000 }).toBe(1)
  await panel.getByLabel('Session', { exact: true }).selectOption(id)
  await panel.getByRole('button', { name: 'Join' }).click()
  await panel.getByText('Joined.').waitFor({ timeout: 10_000 })
}

/** types at the start or the end of the session text, as a person would */
async function typeAt (page: Page, where: 'start' | 'end', text: string): Promise<void> {
  const editor = page.locator('#kn-session-text')
  await editor.focus()
  await page.keyboard.press(where === 'start' ? 'Control+Home' : 'Control+End')
  await editor.pressSequentially(text, { delay: 5 })
}

describe('knowledge panel (node view)', () => {
  let ns: Netns
  let server: WebNode
  let chrome: Chromium
  let tab: Tab | undefined
  const tabs: Tab[] = []

  beforeAll(async () => {
    ns = await createNetns()
    ;[server, chrome] = await Promise.all([startWebNode(ns), launchChromium(ns)])
  }, 120_000)

  afterAll(async () => {
    await tab?.context.close()
    await Promise.all(tabs.map(async t => t.context.close()))
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
    // the panel lists every entry before the search answers: wait for the search's
    // rendering of the hit (with its highlights), not the plain listing
    await hit.locator('mark').first().waitFor({ timeout: 10_000 })
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

    // rate: the aggregate shown is the node's. Each check waits for the outcome itself (the
    // rating shown, the node's aggregate), not for the status line and a read after it
    const rating = reader.locator('.rating')
    const shown = async (): Promise<[string | null, string | null]> => [await rating.getAttribute('data-rating-count'), await rating.textContent()]
    const onNode = async (): Promise<unknown> => (await page.evaluate(async (id: string) => (await fetch(`/api/v1/knowledge/${id}`)).json(), entry.id as string)).rating
    expect(await shown()).toEqual(['0', 'not rated'])
    await reader.getByRole('button', { name: 'Rate 4 of 5' }).click()
    await expect.poll(shown, { timeout: 10_000 }).toEqual(['1', '★ 4.0 (1)'])
    await reader.getByText('Rated 4.').waitFor({ timeout: 10_000 })
    await expect.poll(onNode, { timeout: 10_000 }).toEqual({ mean: 4, count: 1 })
    // a second rating by the same node replaces the first
    await reader.getByRole('button', { name: 'Rate 2 of 5' }).click()
    await expect.poll(shown, { timeout: 10_000 }).toEqual(['1', '★ 2.0 (1)'])
    await reader.getByText('Rated 2.').waitFor({ timeout: 10_000 })
    await expect.poll(onNode, { timeout: 10_000 }).toEqual({ mean: 2, count: 1 })

    // a bad write (empty title) is refused with a clear message and stores nothing
    await panel.getByLabel('Content').fill('no title')
    await page.evaluate(() => { document.querySelector<HTMLInputElement>('#kn-title')?.removeAttribute('required') })
    await panel.getByRole('button', { name: 'Publish' }).click()
    await panel.getByText(/Not published:/).waitFor({ timeout: 10_000 })
    const after = await page.evaluate(async () => (await fetch('/api/v1/knowledge')).json())
    expect(after.items).toHaveLength(1)

    expect(tab.errors.filter(e => !/Failed to load resource: .* (400|404)/.test(e))).toEqual([])
  }, 120_000)

  it('two tabs and the Node node co-edit a session: same text, all present; an offline tab converges', async () => {
    const [A, B] = [await openTab(chrome.browser, 'A'), await openTab(chrome.browser, 'B')]
    tabs.push(A, B)
    await Promise.all([A, B].map(async t => t.page.goto(server.url + LOOPBACK_PAGE)))
    const [idA, idB] = await Promise.all([peerIdOf(A.page), peerIdOf(B.page)])
    // both tabs reach the node before the session exists: its charter travels by gossip
    await Promise.all([A, B].map(async t => t.page.locator('.status-chip.on').waitFor({ timeout: 40_000 })))

    const created = await nsFetch(ns, `${server.url}/api/v1/knowledge/sessions`, { method: 'POST', body: { title: 'Pump repair', participants: [idA, idB] } })
    expect(created.status).toBe(201)
    const sid = created.body.id as string
    const api = `${server.url}/api/v1/knowledge/sessions/${sid}`

    // the node writes first; then both tabs type at once, one at the start, one at the end
    expect((await nsFetch(ns, `${api}/edit`, { method: 'POST', body: { field: 'notes', text: 'gamma ' } })).status).toBe(200)
    await Promise.all([joinSession(A.page, sid), joinSession(B.page, sid)])
    await nsFetch(ns, `${api}/presence`, { method: 'POST', body: {} })
    for (const t of [A, B]) { await expect.poll(async () => t.page.locator('#kn-session-text').inputValue(), { timeout: 20_000 }).toBe('gamma ') }
    await Promise.all([typeAt(A.page, 'end', 'alpha '), typeAt(B.page, 'start', 'beta ')])
    const nodeText = async (): Promise<string> => (await nsFetch(ns, api)).body.fields.notes
    const agreed = async (): Promise<string[]> => [await nodeText(), await A.page.locator('#kn-session-text').inputValue(), await B.page.locator('#kn-session-text').inputValue()]
    const words = ['alpha ', 'beta ', 'gamma ']
    const hasAll = (t: string): boolean => words.every(w => t.includes(w))
    await expect.poll(agreed, { timeout: 20_000 }).toSatisfy((texts: string[]) => new Set(texts).size === 1 && hasAll(texts[0]))
    // then both at the same place (the end both see) while the node writes too: each word
    // stays whole (text typed at one place at once is ordered as runs, never letter by letter)
    await Promise.all([typeAt(A.page, 'end', 'kilo '), typeAt(B.page, 'end', 'lima '), nsFetch(ns, `${api}/edit`, { method: 'POST', body: { field: 'notes', at: 0, insert: 'delta ' } })])
    words.push('delta ', 'kilo ', 'lima ')
    await expect.poll(nodeText, { timeout: 20_000 }).toSatisfy(hasAll)
    await expect.poll(async () => new Set(await agreed()).size, { timeout: 20_000 }).toBe(1)
    expect(hasAll((await agreed())[0])).toBe(true)

    // presence: each tab shows all three (awareness states renew every 15 s at most)
    for (const t of [A, B]) {
      await expect.poll(async () => (await t.page.locator('#knowledge .presence li').evaluateAll(els => els.map(e => e.getAttribute('data-peer')))).sort(), { timeout: 40_000 })
        .toEqual([idA, idB, server.peerId].sort())
    }

    // A goes offline: its connections close and none comes back while it is offline
    // (the node's relay, and so B, are reached only through the network the browser cut)
    const connectionsOf = async (t: Tab): Promise<number> => t.page.evaluate(() => (window as any).liberation.node.libp2p.getConnections().length)
    await A.context.setOffline(true)
    await A.page.evaluate(() => {
      const libp2p = (window as any).liberation.node.libp2p
      // as a dropped network does: no goodbye on the streams
      for (const c of libp2p.getConnections()) { try { c.abort(new Error('offline')) } catch { /* closed meanwhile */ } }
    })
    await expect.poll(async () => connectionsOf(A), { timeout: 20_000 }).toBe(0)
    // A edits offline; B and the node edit meanwhile; all converge once A is back
    await typeAt(A.page, 'end', 'offline-edit ')
    await typeAt(B.page, 'start', 'while-away ')
    await nsFetch(ns, `${api}/edit`, { method: 'POST', body: { field: 'notes', at: 0, insert: 'node-too ' } })
    await expect.poll(nodeText, { timeout: 20_000 }).toContain('while-away ')
    // A is still cut off: it has neither the others' edits nor a connection, and the node lacks A's
    expect(await A.page.locator('#kn-session-text').inputValue()).not.toContain('while-away')
    expect(await connectionsOf(A)).toBe(0)
    expect(await nodeText()).not.toContain('offline-edit')
    await A.context.setOffline(false)
    await expect.poll(nodeText, { timeout: 40_000 }).toContain('offline-edit ')
    await expect.poll(async () => new Set(await agreed()).size, { timeout: 40_000 }).toBe(1)
    const final = (await agreed())[0]
    for (const word of ['offline-edit ', 'while-away ', 'node-too ']) { expect(final).toContain(word) }
    expect(hasAll(final)).toBe(true)
    expect(final.length).toBe([...words, 'offline-edit ', 'while-away ', 'node-too '].join('').length)
  }, 240_000)
})
