/**
 * Browser tabs against a real `liberation start --web` node, all inside a private network
 * namespace that has only loopback: Chromium then gathers no ICE candidates of other
 * interfaces, and no traffic can leave the machine. Used by bench/web.ts and test/browser/.
 *
 * The node and Chromium join the namespace (test/utils/netns.ts, no root needed) with
 * `nsenter`. Playwright talks to Chromium over a pipe, so the calling process itself stays
 * outside; it reaches the node's HTTP API through `nsFetch` (a node child inside).
 */
import { execFile } from 'node:child_process'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { chromium } from 'playwright-core'
import { findChromium } from '../test/utils/chromium.ts'
import { createNetns } from '../test/utils/netns.ts'
import type { Netns } from '../test/utils/netns.ts'
import type { Browser } from 'playwright-core'

export { createNetns }
export type { Netns }

const run = promisify(execFile)

/**
 * `--allow-loopback-in-peer-connection`: WebRTC may use 127.0.0.1 candidates.
 * Fake media UI/devices: the page's getUserMedia (`?media=1`) is granted without a prompt;
 * with media access Chromium gathers host candidates instead of mDNS-obfuscated ones.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-default-apps', '--disable-extensions',
  '--allow-loopback-in-peer-connection', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'
]

/**
 * Options for every browser context that holds a tab node. WebRTC lists the machine's
 * interfaces (here: loopback) as host candidates only for a page whose camera and
 * microphone permissions read "granted"; otherwise it binds the wildcard address, which in
 * a loopback-only namespace yields no candidate at all. Debian's Chromium reports the
 * fake-UI grant as such, the packaged headless shell does not, so grant them explicitly.
 */
export const TAB_CONTEXT_OPTIONS = { permissions: ['camera', 'microphone'] }

/** the page URL for the tab view (a node in the tab) on loopback: no ICE servers, media access for host candidates */
export const LOOPBACK_PAGE = '/?view=tab&ice=none&media=1'

/** fetch from inside the namespace (the node's API listens on its loopback) */
export async function nsFetch (ns: Netns, url: string, init: { method?: string, body?: unknown } = {}): Promise<{ status: number, body: any }> {
  const script = `const [url, method, body] = process.argv.slice(1)
    const r = await fetch(url, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body || undefined })
    process.stdout.write(JSON.stringify({ status: r.status, text: await r.text() }))`
  const args = [...ns.enter.slice(1), process.execPath, '--input-type=module', '-e', script, url, init.method ?? 'GET', init.body == null ? '' : JSON.stringify(init.body)]
  const { stdout } = await run(ns.enter[0], args, { timeout: 10_000 })
  const { status, text } = JSON.parse(stdout)
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // not JSON: keep the text
  }
  return { status, body }
}

/** the arguments of `liberation start` for a --web node on the namespace's loopback */
export function webNodeArgs (dataDir: string): string[] {
  return [
    'start', '--web', '--data-dir', dataDir, '--api-port', '0',
    '--listen', '/ip4/127.0.0.1/tcp/0', '--listen', '/ip4/127.0.0.1/tcp/0/ws',
    '--no-mdns', '--no-dht'
  ]
}

export interface Chromium {
  browser: Browser
  close(): Promise<void>
}

export async function launchChromium (ns: Netns): Promise<Chromium> {
  // Playwright starts "the browser" and talks to it over inherited pipes: a wrapper that
  // enters the namespace first keeps those pipes and puts Chromium on the private loopback
  const chromiumBinary = await findChromium()
  const dir = await mkdtemp(join(tmpdir(), 'liberation-chromium-'))
  const wrapper = join(dir, 'chromium')
  const env = Object.entries(chromiumBinary.env).map(([k, v]) => `${k}=${v}`).join(' ')
  await writeFile(wrapper, `#!/bin/sh\nexec ${env === '' ? '' : `env ${env} `}${ns.enter.join(' ')} ${chromiumBinary.path} "$@"\n`)
  await chmod(wrapper, 0o755)
  const launch = async (): Promise<Browser> => chromium.launch({ executablePath: wrapper, args: CHROMIUM_ARGS, headless: true, timeout: 20_000 })
  // a start that fails is tried once more (seen once in CI, with no log to tell why): the
  // first failure is printed whole, with Chromium's own log, so it is not hidden
  const browser = await launch().catch(async (err: Error) => {
    process.stderr.write(`Chromium (${chromiumBinary.source}: ${chromiumBinary.path}) did not start, trying once more: ${err.message}\n`)
    return launch()
  }).catch((err: Error) => { throw new Error(`Chromium (${chromiumBinary.source}: ${chromiumBinary.path}) did not start: ${err.message}`) })
  return {
    browser,
    async close () {
      await browser.close().catch(() => {})
      await rm(dir, { recursive: true, force: true })
    }
  }
}
