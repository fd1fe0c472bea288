#!/usr/bin/env node
/**
 * `liberation`: run a mesh node and drive it. Argument parsing by commander; every
 * failure is one line on stderr and a non-zero exit code (2 for bad usage or config).
 */
import { Command, CommanderError } from 'commander'
import { ConfigError } from '../config/index.ts'
import { registerAutomationCommand, registerRestoreCommand } from './commands/automation.ts'
import { registerDistributeCommand } from './commands/distribute.ts'
import { registerHumansCommand } from './commands/humans.ts'
import { registerIdCommand } from './commands/id.ts'
import { registerKnowledgeCommand } from './commands/knowledge.ts'
import { registerPeersCommand } from './commands/peers.ts'
import { registerRoutesCommand } from './commands/routes.ts'
import { registerSendCommand } from './commands/send.ts'
import { registerSessionCommand } from './commands/session.ts'
import { registerStartCommand } from './commands/start.ts'
import { registerStatusCommand } from './commands/status.ts'
import { registerTailCommand } from './commands/tail.ts'
import { registerTruthCommand } from './commands/truth.ts'

export const EXIT_USAGE = 2

export function buildProgram (): Command {
  const program = new Command()
  program
    .name('liberation')
    .description('Liberation Mesh: a peer-to-peer node for signed truth messages and a shared distribution ledger')
    .version('0.1.0')
    .exitOverride()
    // one line per error, the usage hint on the same line
    .configureOutput({ outputError: (str, write) => { write(`${str.split('\n')[0]} (run with --help for usage)\n`) } })
  registerStartCommand(program)
  registerIdCommand(program)
  // clients of a running node's API
  registerStatusCommand(program)
  registerHumansCommand(program)
  registerDistributeCommand(program)
  registerPeersCommand(program)
  registerRoutesCommand(program)
  registerSendCommand(program)
  registerTruthCommand(program)
  registerKnowledgeCommand(program)
  registerSessionCommand(program)
  registerTailCommand(program)
  registerAutomationCommand(program)
  registerRestoreCommand(program)
  return program
}

export async function main (argv: string[]): Promise<void> {
  const program = buildProgram()
  try {
    await program.parseAsync(argv)
  } catch (err: any) {
    if (err instanceof CommanderError) {
      // help and version are "errors" with code 0 under exitOverride
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE
      return
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`liberation: ${err.message}\n`)
      process.exitCode = EXIT_USAGE
      return
    }
    process.stderr.write(`liberation: ${String(err?.message ?? err).split('\n')[0]}\n`)
    process.exitCode = typeof err?.exitCode === 'number' && err.exitCode > 0 ? err.exitCode : 1
  }
}

await main(process.argv)
