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
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
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
  // Unpacked into the temp dir, one copy of our own per user (another user's is not ours to
  // run). Test workers start at once: each unpacks into a staging dir of its own and renames
  // it into place, so a copy is only ever seen whole (the package itself returns a binary
  // that another process is still writing).
  const uid = process.getuid?.() ?? 'user'
  const dir = join(tmpdir(), `liberation-chromium-unpacked-${uid}`)
  if (!existsSync(join(dir, 'chromium'))) {
    const staging = mkdtempSync(join(tmpdir(), `liberation-chromium-staging-${uid}-`))
    try {
      await unpackInto(staging)
      writeFontConfig(join(staging, 'fonts'), join(dir, 'fonts'))
      renameSync(staging, dir)
    } catch (err: any) {
      rmSync(staging, { recursive: true, force: true })
      // another worker renamed its copy into place first
      if (!existsSync(join(dir, 'chromium'))) { throw err }
    }
  }
  return {
    path: join(dir, 'chromium'),
    source: '@sparticuz/chromium',
    env: { LD_LIBRARY_PATH: join(dir, 'al2023', 'lib'), FONTCONFIG_PATH: join(dir, 'fonts') }
  }
}

async function unpackInto (staging: string): Promise<void> {
  // The package unpacks its NSS/NSPR/expat libraries only where it detects Amazon Linux;
  // a fresh Debian or Ubuntu lacks them too. Claim that runtime while it unpacks, then put
  // the process environment back: only Chromium gets the library path.
  const saved = Object.fromEntries(PACKAGE_ENV_KEYS.map(k => [k, process.env[k]]))
  process.env.AWS_LAMBDA_JS_RUNTIME = 'nodejs24.x'
  process.env.TMPDIR = staging
  try {
    const { default: chromium } = await import('@sparticuz/chromium')
    chromium.setGraphicsMode = false
    await chromium.executablePath()
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
 * at the fonts as they will be once in place (`finalDir`) and a cache of our own.
 */
function writeFontConfig (fontsDir: string, finalDir: string): void {
  const conf = `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${join(finalDir, 'fonts')}</dir>\n  <cachedir>${join(finalDir, 'cache')}</cachedir>\n</fontconfig>\n`
  writeFileSync(join(fontsDir, 'fonts.conf'), conf)
}
