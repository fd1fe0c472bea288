/** Runs the built CLI (`dist/node/cli/index.js`) as a child process and reads its output. */
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { NODE_RUNTIME_FLAGS } from '../../node/runtime-flags.ts'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'

export const CLI = resolve('dist/cli/liberation.mjs')

export interface CliProcess {
  child: ChildProcessWithoutNullStreams
  stdout(): string
  stderr(): string
  /** resolves with the first stdout line matching `re` (rejects after timeoutMs or on exit) */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  exited: Promise<number | null>
}

export function spawnCli (args: string[], opts: { env?: NodeJS.ProcessEnv, command?: string[] } = {}): CliProcess {
  const [cmd, ...prefix] = opts.command ?? [process.execPath]
  const child = spawn(cmd, [...prefix, ...(opts.command == null ? [] : [process.execPath]), ...NODE_RUNTIME_FLAGS, CLI, ...args], {
    env: { ...process.env, ...opts.env }
  })
  let out = ''
  let err = ''
  const waiters: Array<{ re: RegExp, resolve(m: RegExpMatchArray): void }> = []
  child.stdout.setEncoding('utf8')
  child.stderr.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => {
    out += chunk
    for (const w of [...waiters]) {
      const m = out.match(w.re)
      if (m != null) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve(m)
      }
    }
  })
  child.stderr.on('data', (chunk: string) => { err += chunk })
  const exited = new Promise<number | null>(resolve => child.on('exit', code => { resolve(code) }))
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitForLine (re, timeoutMs = 20_000) {
      const m = out.match(re)
      if (m != null) { return m }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => { reject(new Error(`no output matching ${re} within ${timeoutMs} ms; stdout:\n${out}\nstderr:\n${err}`)) }, timeoutMs)
        waiters.push({ re, resolve: m => { clearTimeout(timer); resolve(m) } })
        void exited.then(code => {
          clearTimeout(timer)
          reject(new Error(`process exited (${code}) before printing ${re}; stdout:\n${out}\nstderr:\n${err}`))
        })
      })
    }
  }
}

/** Runs the CLI to completion. */
export async function runCli (args: string[], env?: NodeJS.ProcessEnv): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const p = spawnCli(args, { env })
  const code = await p.exited
  return { code, stdout: p.stdout(), stderr: p.stderr() }
}
