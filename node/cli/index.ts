#!/usr/bin/env node
/**
 * `liberation`: run a mesh node and drive it. Argument parsing by commander; every
 * failure is one line on stderr, `liberation: <message>`, and an exit code per kind
 * (errors.ts).
 */
import { Command, CommanderError } from 'commander'
import { isMeshError } from '../../protocol/errors.ts'
import { ConfigError } from '../config/index.ts'
import { registerAutomationCommand, registerRestoreCommand } from './commands/automation.ts'
import { registerDistributeCommand } from './commands/distribute.ts'
import { registerHistoryCommand } from './commands/history.ts'
import { registerHumansCommand } from './commands/humans.ts'
import { registerIdCommand } from './commands/id.ts'
import { registerInboxCommand } from './commands/inbox.ts'
import { registerKnowledgeCommand } from './commands/knowledge.ts'
import { registerNotificationsCommand } from './commands/notifications.ts'
import { registerPeersCommand } from './commands/peers.ts'
import { registerRoutesCommand } from './commands/routes.ts'
import { registerSendCommand } from './commands/send.ts'
import { registerSessionCommand } from './commands/session.ts'
import { registerStartCommand } from './commands/start.ts'
import { registerStatusCommand } from './commands/status.ts'
import { registerTailCommand } from './commands/tail.ts'
import { registerTruthCommand } from './commands/truth.ts'
import { EXIT, EXIT_CODES_HELP, errorLine, exitCodeOf } from './errors.ts'

export const EXIT_USAGE = EXIT.usage

export function buildProgram (): Command {
  const program = new Command()
  program
    .name('liberation')
    .description('Liberation Mesh: a peer-to-peer node for signed truth messages and a shared distribution ledger')
    .version('0.1.0')
    .exitOverride()
    // one line per error, the usage hint on the same line
    .configureOutput({ outputError: (str, write) => { write(`${errorLine(str)} (run with --help for usage)\n`) } })
    .addHelpText('after', EXIT_CODES_HELP)
  registerStartCommand(program)
  registerIdCommand(program)
  // clients of a running node's API
  registerStatusCommand(program)
  registerHumansCommand(program)
  registerDistributeCommand(program)
  registerHistoryCommand(program)
  registerPeersCommand(program)
  registerRoutesCommand(program)
  registerSendCommand(program)
  registerInboxCommand(program)
  registerNotificationsCommand(program)
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
    process.stderr.write(errorLine(err) + '\n')
    if (err instanceof ConfigError) { process.exitCode = EXIT_USAGE } else if (typeof err?.exitCode === 'number' && err.exitCode > 0) { process.exitCode = err.exitCode } else { process.exitCode = isMeshError(err) ? exitCodeOf(err.code) : EXIT.internal }
  }
}

await main(process.argv)
