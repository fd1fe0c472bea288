/**
 * Finds a Chromium for the browser tests and benches, without any download: a system
 * Chromium or Chrome when the machine has one, otherwise the headless Chromium that the
 * `@sparticuz/chromium` npm package carries inside itself (unpacked to a per-user temp dir
 * on first use, with the few shared libraries it needs beyond glibc).
 *
 * `CHROMIUM_PATH` forces a binary; `LIBERATION_SYSTEM_CHROMIUM=0` ignores system browsers
 * (CI sets it, to prove that a fresh machine needs none).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface ChromiumBinary {
  /** the executable */
  path: string
  /** where it came from, for error messages and reports */
  source: 'CHROMIUM_PATH' | 'system' | '@sparticuz/chromium'
  /** environment the executable needs (library and font paths of the packaged one) */
  env: Record<string, string>
}

const SYSTEM_BROWSERS = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome', 'chrome']

function onPath (name: string): string | undefined {
  try {
    const found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim()
    // a snap wrapper cannot run inside our private network namespaces
    return found !== '' && !found.startsWith('/snap/') ? found : undefined
  } catch {
    return undefined
  }
}

let found: Promise<ChromiumBinary> | undefined

export async function findChromium (): Promise<ChromiumBinary> {
  found ??= locate()
  return found
}

async function locate (): Promise<ChromiumBinary> {
  const forced = process.env.CHROMIUM_PATH
  if (forced != null && forced !== '') {
    if (!existsSync(forced)) { throw new Error(`CHROMIUM_PATH=${forced} does not exist`) }
    return { path: forced, source: 'CHROMIUM_PATH', env: {} }
  }
  if (process.env.LIBERATION_SYSTEM_CHROMIUM !== '0') {
    for (const name of SYSTEM_BROWSERS) {
      const path = onPath(name)
      if (path != null) { return { path, source: 'system', env: {} } }
    }
  }
  return unpackPackaged()
}

/** the keys `@sparticuz/chromium` sets in process.env when it believes it runs on Amazon Linux */
const PACKAGE_ENV_KEYS = ['AWS_LAMBDA_JS_RUNTIME', 'LD_LIBRARY_PATH', 'FONTCONFIG_PATH', 'HOME', 'TMPDIR']

async function unpackPackaged (): Promise<ChromiumBinary> {
  // The package unpacks its NSS/NSPR/expat libraries only where it detects Amazon Linux;
  // a fresh Debian or Ubuntu lacks them too. Claim that runtime while it unpacks, then put
  // the process environment back: only Chromium gets the library path. It unpacks into
  // the temp dir; one of our own per user (another user's unpacked copy is not ours to run).
  const saved = Object.fromEntries(PACKAGE_ENV_KEYS.map(k => [k, process.env[k]]))
  const dir = join(tmpdir(), `liberation-chromium-bin-${process.getuid?.() ?? 'user'}`)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  process.env.AWS_LAMBDA_JS_RUNTIME = 'nodejs24.x'
  process.env.TMPDIR = dir
  try {
    const { default: chromium } = await import('@sparticuz/chromium')
    chromium.setGraphicsMode = false
    const path = await chromium.executablePath()
    writeFontConfig(join(dir, 'fonts'))
    return {
      path,
      source: '@sparticuz/chromium',
      env: { LD_LIBRARY_PATH: join(dir, 'al2023', 'lib'), FONTCONFIG_PATH: join(dir, 'fonts') }
    }
  } catch (err: any) {
    throw new Error(`no Chromium: none on PATH (${SYSTEM_BROWSERS.join(', ')}) and @sparticuz/chromium could not unpack (${err.message}); run npm install`)
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v == null) { delete process.env[k] } else { process.env[k] = v }
    }
  }
}

/**
 * The package's fonts.conf names Lambda's fixed paths (/tmp/fonts), where we did not
 * unpack; without a font Chromium aborts at the first text it lays out. Point fontconfig
 * at the fonts we unpacked and a cache of our own. Written to a temp name and renamed:
 * test workers may do this at the same time.
 */
function writeFontConfig (fontsDir: string): void {
  const conf = `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${join(fontsDir, 'fonts')}</dir>\n  <cachedir>${join(fontsDir, 'cache')}</cachedir>\n</fontconfig>\n`
  const temp = join(fontsDir, `fonts.conf.${process.pid}`)
  writeFileSync(temp, conf)
  renameSync(temp, join(fontsDir, 'fonts.conf'))
}
