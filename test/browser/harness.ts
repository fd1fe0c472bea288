/**
 * The browser test harness: tabs in Chromium against a real `liberation start --web` node,
 * inside a private loopback-only network namespace. The namespace, Chromium and API
 * helpers are shared with bench/web.ts (bench/_chromium.ts); this adds the node as a
 * CLI child and tabs that collect their console errors.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TAB_CONTEXT_OPTIONS, webNodeArgs } from '../../bench/_chromium.ts'
import { spawnCli } from '../utils/process.ts'
import type { Netns } from '../../bench/_chromium.ts'
import type { CliProcess } from '../utils/process.ts'
import type { Browser, BrowserContext, Page } from 'playwright-core'

export { createNetns, launchChromium, nsFetch, LOOPBACK_PAGE } from '../../bench/_chromium.ts'
export type { Chromium, Netns } from '../../bench/_chromium.ts'

export interface WebNode {
  proc: CliProcess
  peerId: string
  /** base URL of the API, which serves the client at / */
  url: string
  dataDir: string
  stop(): Promise<void>
}

export async function startWebNode (ns: Netns, extraArgs: string[] = []): Promise<WebNode> {
  const dataDir = await mkdtemp(join(tmpdir(), 'liberation-web-'))
  const proc = spawnCli([...webNodeArgs(dataDir), ...extraArgs], { command: ns.enter })
  try {
    // generous: a shared CI box under load can take long to start a node
    const peerId = (await proc.waitForLine(/peer id: (\S+)/, 60_000))[1]
    const url = (await proc.waitForLine(/^api: (\S+)$/m, 60_000))[1]
    await proc.waitForLine(/listening/, 60_000)
    return {
      proc,
      peerId,
      url,
      dataDir,
      async stop () {
        if (proc.child.exitCode == null) { proc.child.kill('SIGTERM') }
        const timer = setTimeout(() => { proc.child.kill('SIGKILL') }, 5000)
        await proc.exited
        clearTimeout(timer)
        await rm(dataDir, { recursive: true, force: true })
      }
    }
  } catch (err) {
    proc.child.kill('SIGKILL')
    await rm(dataDir, { recursive: true, force: true })
    throw err
  }
}

export interface Tab {
  name: string
  context: BrowserContext
  page: Page
  /** console errors and uncaught page errors seen so far */
  errors: string[]
  logs: string[]
}

/**
 * A tab in its own browser context: contexts do not share storage, so each tab is a
 * separate node (own IndexedDB, own identity), like two people's browsers.
 */
export async function openTab (browser: Browser, name: string, viewport = { width: 1280, height: 900 }): Promise<Tab> {
  const context = await browser.newContext({ ...TAB_CONTEXT_OPTIONS, viewport })
  const page = await context.newPage()
  const tab: Tab = { name, context, page, errors: [], logs: [] }
  page.on('console', msg => {
    const line = `[${name}] ${msg.type()}: ${msg.text()}`
    tab.logs.push(line)
    if (msg.type() === 'error') { tab.errors.push(line) }
  })
  page.on('pageerror', err => { tab.errors.push(`[${name}] pageerror: ${err.message}`) })
  return tab
}
