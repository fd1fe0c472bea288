/**
 * The dashboard's node view in Chromium: the page served by `liberation start --web`
 * shows THAT node through its API and live feed. A server node with three peer nodes (CLI
 * children), all in a private loopback-only network namespace (harness.ts). The page must
 * show the three peers with their addresses and health, a notification raised by the CLI's
 * `distribute`, a truth message posted on another node, and act on the server when used.
 * Screenshots at 1366 px and 390 px go to test-results/ and the named elements are checked
 * by their geometry (nothing cut, nothing broken mid-number, no notice over the log).
 * Then a stopped peer leaves the graph as it leaves Routes, and a node that demands a
 * token gets it from the page.
 */
import { mkdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnCli } from '../utils/process.ts'
import { createNetns, launchChromium, openTab, startWebNode } from './harness.ts'
import type { Chromium, Netns, Tab, WebNode } from './harness.ts'
import type { CliProcess } from '../utils/process.ts'
import type { Page } from 'playwright-core'

const RESULTS = 'test-results'
const TOKEN = 'node-view-token-0123456789abcdef'
/** the browser's own report of the duplicate registration this test makes on purpose */
const expected409 = (e: string): boolean => /Failed to load resource: .* 409 \(Conflict\)/.test(e)

interface PeerNode { proc: CliProcess, peerId: string, api: string, dataDir: string, stop(): Promise<void> }

async function startPeer (ns: Netns, bootstrap: string): Promise<PeerNode> {
  const dataDir = await mkdtemp(join(tmpdir(), 'liberation-nv-peer-'))
  const proc = spawnCli(['start', '--data-dir', dataDir, '--api-port', '0', '--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--no-dht', '--bootstrap', bootstrap], { command: ns.enter })
  const stop = async (): Promise<void> => {
    if (proc.child.exitCode == null) { proc.child.kill('SIGTERM') }
    const timer = setTimeout(() => { proc.child.kill('SIGKILL') }, 5000)
    await proc.exited
    clearTimeout(timer)
    await rm(dataDir, { recursive: true, force: true })
  }
  try {
    // a loaded CI box can take a while to start a node
    const peerId = (await proc.waitForLine(/peer id: (\S+)/, 60_000))[1]
    const api = (await proc.waitForLine(/^api: (\S+)$/m, 60_000))[1]
    await proc.waitForLine(/listening/, 60_000)
    return { proc, peerId, api, dataDir, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/** GET on the API of the node serving `page`, from the page (same origin, inside the namespace) */
async function apiGet (page: Page, path: string): Promise<{ status: number, body: any }> {
  return page.evaluate(async (p: string) => {
    const r = await fetch(p)
    const text = await r.text()
    let body: unknown = text
    try { body = JSON.parse(text) } catch { /* not JSON: keep the text */ }
    return { status: r.status, body }
  }, path)
}

/** runs the built CLI inside the namespace to completion */
async function cli (ns: Netns, args: string[]): Promise<CliProcess> {
  const p = spawnCli(args, { command: ns.enter })
  const code = await p.exited
  if (code !== 0) { throw new Error(`liberation ${args.join(' ')} exited ${code}: ${p.stderr()}`) }
  return p
}

interface Box { left: number, right: number, top: number, bottom: number, width: number, height: number }
interface Geometry {
  box: Box
  /** content wider than the element shows (cut or scrolled) */
  clipped: boolean
  /** line boxes of its text: 1 = not wrapped */
  lines: number
}

/**
 * geometry of the first element matching `selector` (and holding `text`, if given),
 * measured in one task of the page: panels re-render on their tick
 */
async function geometry (page: Page, selector: string, text?: string): Promise<Geometry> {
  return page.evaluate(([sel, txt]) => {
    const el = [...document.querySelectorAll(sel)].find(e => txt == null || e.textContent?.includes(txt))
    if (el == null) { throw new Error(`no element ${sel}${txt != null ? ` with "${txt}"` : ''}`) }
    const r = el.getBoundingClientRect()
    const range = document.createRange()
    range.selectNodeContents(el)
    const tops = new Set([...range.getClientRects()].filter(x => x.width > 0).map(x => Math.round(x.top)))
    return {
      box: { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height },
      clipped: el.scrollWidth > el.clientWidth + 1,
      lines: tops.size
    }
  }, [selector, text] as const)
}

const inside = (inner: Box, outer: Box): boolean => inner.left >= outer.left - 1 && inner.right <= outer.right + 1
const overlaps = (a: Box, b: Box): boolean => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom

/** the layout checks of issue 12 at the page's current width */
async function checkLayout (page: Page, width: number): Promise<void> {
  expect(await page.evaluate(() => document.documentElement.scrollWidth), 'page wider than the screen').toBeLessThanOrEqual(width)
  // "Last paid": the whole week, inside its card and the screen
  const humans = await geometry(page, '#humans')
  const lastPaid = await geometry(page, '#humans td.last-paid')
  expect(await page.locator('#humans td.last-paid').first().textContent()).toMatch(/^\d{4}-W\d{2}$/)
  expect(lastPaid.clipped, 'Last paid cut').toBe(false)
  expect(inside(lastPaid.box, humans.box), `Last paid outside its card at ${width} px`).toBe(true)
  // the humans and routes tables fit their cards (no column scrolled out of sight)
  for (const card of ['#humans', '#routes', '#peers']) {
    expect((await geometry(page, `${card} .scroll`)).clipped, `${card} table cut at ${width} px`).toBe(false)
  }
  // "Reliability" shown whole, inside the routes card
  const routes = await geometry(page, '#routes')
  const reliability = width > 600 ? await geometry(page, '#routes th', 'Reliability') : await geometry(page, '#routes td[data-label="Reliability"]')
  expect(inside(reliability.box, routes.box), `Reliability outside the routes card at ${width} px`).toBe(true)
  expect(reliability.clipped).toBe(false)
  // money figures: one line each (no ".00" on a line of its own, no number broken in two), inside the card
  const ledger = await geometry(page, '#ledger')
  for (const stat of ['remaining', 'distributed', 'week', 'average']) {
    const g = await geometry(page, `[data-stat="${stat}"] .figure`)
    expect(g.lines, `${stat} wraps at ${width} px`).toBe(1)
    expect(inside(g.box, ledger.box), `${stat} outside the ledger card at ${width} px`).toBe(true)
  }
}

describe('dashboard node view in Chromium: a server node and three peers', () => {
  let ns: Netns
  let server: WebNode
  let chrome: Chromium
  const peers: PeerNode[] = []
  let tab: Tab

  beforeAll(async () => {
    mkdirSync(RESULTS, { recursive: true })
    ns = await createNetns()
    ;[server, chrome] = await Promise.all([startWebNode(ns), launchChromium(ns)])
    const tcp = /address: (\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\S+)/.exec(server.proc.stdout())?.[1]
    if (tcp == null) { throw new Error(`no TCP address in the server's output:\n${server.proc.stdout()}`) }
    peers.push(...await Promise.all([0, 1, 2].map(async () => startPeer(ns, tcp))))
  }, 180_000)

  afterAll(async () => {
    await chrome?.close()
    await Promise.all(peers.map(async p => p.stop()))
    await server?.stop()
    await ns?.close()
  })

  it('shows the server node: its peers, a CLI distribution\'s notification, truth from another node; acts on the server', async () => {
    tab = await openTab(chrome.browser, 'node-view', { width: 1366, height: 900 })
    const { page } = tab
    await page.goto(server.url + '/')
    // it says which node it shows: the server's, in the node view
    await page.locator('[data-view="node"]').waitFor({ timeout: 15_000 })
    expect(await page.locator('[data-peer-id]').getAttribute('data-peer-id')).toBe(server.peerId)
    await page.getByText('Showing the node that serves this page').waitFor()
    // the page runs no node of its own
    expect(await page.evaluate(() => (window as any).liberation)).toBeUndefined()

    // the three peers, each with an address
    for (const p of peers) {
      await page.locator(`#peers tr[data-peer="${p.peerId}"]`).waitFor({ timeout: 40_000 })
      expect(await page.locator(`#peers tr[data-peer="${p.peerId}"] .addr`).textContent()).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+/)
    }
    await page.locator('#peers', { hasText: '3 peers connected' }).waitFor({ timeout: 10_000 })
    // the server's events from before the page opened are in the activity log
    await page.locator('#notifications ul.activity li', { hasText: 'Peer connected' }).first().waitFor({ timeout: 10_000 })
    await page.locator('.status-chip', { hasText: '3 peers' }).waitFor({ timeout: 10_000 })
    // health is shown as a number, not only a bar (link probes give it within a few seconds)
    await expect.poll(async () => page.locator(`#peers tr[data-peer="${peers[0].peerId}"] td.health .num`).textContent().catch(() => null), { timeout: 20_000 })
      .toMatch(/^\d{1,3}%$/)

    // a human registered through the page is registered by the server node
    const human = `nv-${Date.now()}`
    await page.getByLabel('Human id', { exact: true }).fill(human)
    await page.getByRole('button', { name: 'Register' }).click()
    await page.locator('#humans-status', { hasText: `Registered ${human}.` }).waitFor({ timeout: 10_000 })
    const registered = await apiGet(page, `/api/v1/humans/${human}`)
    expect(registered.body).toMatchObject({ id: human, registered_by: server.peerId })

    // the CLI's distribute (a subprocess against the server's API): its notification reaches the page live
    const distributed = await cli(ns, ['distribute', '--api', server.url])
    expect(distributed.stdout()).toMatch(/paid:\s+1 human/)
    await page.locator('#notifications li.note', { hasText: 'Resources distributed' }).waitFor({ timeout: 10_000 })
    await page.locator(`#humans tr[data-human="${human}"] td.received`, { hasText: '800.00' }).waitFor({ timeout: 10_000 })

    // a truth message posted on another node reaches the server and the page
    const text = `from a peer ${Date.now()}`
    await cli(ns, ['truth', 'post', text, '--api', peers[1].api])
    const fromPeer = page.locator('ol.feed li', { hasText: text })
    await fromPeer.waitFor({ timeout: 15_000 })
    expect(await fromPeer.locator('.author').getAttribute('title')).toBe(peers[1].peerId)

    // a post from the page is signed by the server node
    const mine = `from the node view ${Date.now()}`
    await page.getByLabel('Message', { exact: true }).fill(mine)
    await page.getByRole('button', { name: 'Post' }).click()
    const own = page.locator('ol.feed li', { hasText: mine })
    await own.waitFor({ timeout: 10_000 })
    const id = await own.getAttribute('data-id') as string
    const atServer = await apiGet(page, `/api/v1/truth/messages/${id}`)
    expect(atServer.body).toMatchObject({ content: mine, author: server.peerId })

    // a peer id does what it looks like: opens the peer's detail (full id, addresses, health parts, RTT over time)
    await page.locator(`#peers tr[data-peer="${peers[0].peerId}"] button.peer-link`).click()
    const dialog = page.locator('dialog.peer-detail')
    await dialog.waitFor({ state: 'visible' })
    expect(await dialog.locator('[data-peer-detail]').textContent()).toBe(peers[0].peerId)
    await dialog.locator('ul.addresses li', { hasText: '/tcp/' }).first().waitFor({ timeout: 5000 })
    await dialog.locator('ul.parts li', { hasText: 'latency' }).waitFor({ timeout: 5000 })
    // the reasons for the health, in words, as the server gives them
    const reasons = (await apiGet(page, `/api/v1/mesh/health/${peers[0].peerId}`)).body.reasons as string[]
    const why = await dialog.locator('[data-health-reasons]').textContent()
    if (reasons.length === 0) {
      expect(why).toBe('every part is good')
    } else {
      expect(why).toContain(`${reasons[0].split(':')[0]}:`)
    }
    await expect.poll(async () => dialog.locator('svg.spark polyline').count(), { timeout: 10_000 }).toBeGreaterThan(0)
    await page.screenshot({ path: `${RESULTS}/node-view-peer-detail.png` })
    await dialog.getByRole('button', { name: 'Close' }).click()
    await dialog.waitFor({ state: 'hidden' })

    // an error replaces the stale success in its own card and covers nothing
    await page.getByLabel('Human id', { exact: true }).fill(human)
    await page.getByRole('button', { name: 'Register' }).click()
    const status = page.locator('#humans-status')
    await status.filter({ hasText: 'already registered' }).waitFor({ timeout: 10_000 })
    expect(await status.textContent()).not.toMatch(/Registered|Paid/)
    expect(await status.getAttribute('class')).toContain('error')
    const log = await geometry(page, '#notifications ul.activity')
    const errorBox = await geometry(page, '#humans-status')
    expect(overlaps(errorBox.box, log.box)).toBe(false)
    const fixed = await page.evaluate(() => [...document.querySelectorAll('body *')].filter(el => ['fixed', 'sticky'].includes(getComputedStyle(el).position) && el.getBoundingClientRect().height > 0).length)
    expect(fixed, 'an element floats over the panels').toBe(0)

    // layout at 1366 px
    await page.screenshot({ path: `${RESULTS}/node-view-1366.png`, fullPage: true })
    await checkLayout(page, 1366)
    // and on a phone
    await page.setViewportSize({ width: 390, height: 844 })
    await page.waitForTimeout(300) // one layout pass after the resize (no clock in a browser layout)
    await page.screenshot({ path: `${RESULTS}/node-view-390.png`, fullPage: true })
    await checkLayout(page, 390)
    await page.setViewportSize({ width: 1366, height: 900 })

    expect(tab.errors.filter(e => !expected409(e)), 'console errors').toEqual([])
  }, 240_000)

  it('a stopped peer leaves the graph as it leaves Routes; route changes fold into one log line', async () => {
    const { page } = tab
    expect(page, 'runs after the first test').toBeDefined()
    const gone = peers[2]
    await page.locator(`#topology [data-node="${gone.peerId}"]`).waitFor({ timeout: 10_000 })
    await gone.stop()
    await page.locator(`#routes tr[data-route="${gone.peerId}"]`).waitFor({ state: 'detached', timeout: 20_000 })
    await page.locator(`#topology [data-node="${gone.peerId}"]`).waitFor({ state: 'detached', timeout: 10_000 })
    // its beacon is still held by the server (dropped only after 4 beacon periods): the graph does not draw it
    const topo = await apiGet(page, '/api/v1/mesh/topology')
    expect(topo.body.nodes.some((n: any) => (n.peer_id ?? n.peerId) === gone.peerId), 'the server still holds the stopped peer\'s beacon').toBe(true)
    // the graph and Routes agree: every drawn node other than this one has a route
    const drawn = await page.locator('#topology g.node:not(.self)').evaluateAll(els => els.map(e => e.getAttribute('data-node')))
    const routed = await page.locator('#routes tr[data-route]').evaluateAll(els => els.map(e => e.getAttribute('data-route')))
    expect([...drawn].sort()).toEqual([...routed].sort())

    // the server logged route changes; the page shows them as one counted line, never a run of them
    const events = await apiGet(page, '/api/v1/events?category=routes&limit=500')
    expect(events.body.items.filter((e: any) => /changed/.test(e.type)).length).toBeGreaterThan(1)
    const lines = await page.locator('#notifications ul.activity li').evaluateAll(els => els.map(e => e.className))
    for (let i = 1; i < lines.length; i++) {
      expect(lines[i] === 'routes' && lines[i - 1] === 'routes', 'two route lines in a row').toBe(false)
    }
    await page.locator('#notifications ul.activity li.routes', { hasText: /Routes changed \(\d+\)/ }).first().waitFor()
    expect(tab.errors.filter(e => !expected409(e)), 'console errors').toEqual([])
  }, 120_000)

  it('a node that demands a token: the page asks for it, refuses a wrong one, takes it from the URL fragment', async () => {
    const guarded = await startWebNode(ns, ['--api-token', TOKEN])
    try {
      const t = await openTab(chrome.browser, 'token', { width: 1366, height: 900 })
      await t.page.goto(guarded.url + '/')
      await t.page.getByLabel('API token', { exact: true }).fill('not-the-token-at-all-0000')
      await t.page.getByRole('button', { name: 'Open the node view' }).click()
      await t.page.getByText('That token was refused.').waitFor({ timeout: 10_000 })
      await t.page.getByLabel('API token', { exact: true }).fill(TOKEN)
      await t.page.getByRole('button', { name: 'Open the node view' }).click()
      await t.page.locator('[data-view="node"]').waitFor({ timeout: 10_000 })
      expect(await t.page.locator('[data-peer-id]').getAttribute('data-peer-id')).toBe(guarded.peerId)

      // from the fragment, which leaves the address bar at once; the live feed accepts it too
      const u = await openTab(chrome.browser, 'fragment', { width: 1366, height: 900 })
      await u.page.goto(`${guarded.url}/#token=${TOKEN}`)
      await u.page.locator('[data-view="node"]').waitFor({ timeout: 10_000 })
      expect(u.page.url()).not.toContain(TOKEN)
      await expect.poll(async () => u.page.locator('.status-chip').textContent(), { timeout: 10_000 }).not.toMatch(/unreachable/)
      const stats = await apiGet(u.page, '/api/v1/realtime/ws/stats')
      expect(stats.status, 'the API itself stays closed without the token').toBe(401)
      // a wrong token (and the unauthenticated request just above) make the browser log a 401: nothing else
      const unexpected = (errors: string[]): string[] => errors.filter(e => !/Failed to load resource: .* 401 \(Unauthorized\)/.test(e))
      expect(unexpected(t.errors)).toEqual([])
      expect(unexpected(u.errors)).toEqual([])
      await t.context.close()
      await u.context.close()
    } finally {
      await guarded.stop()
    }
  }, 120_000)
})
