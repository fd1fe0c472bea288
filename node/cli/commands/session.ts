import { CliError, clientCommand, createApiClient } from '../client.ts'
import { formatKeyValues, formatTime, output } from '../output.ts'
import type { ClientOptions } from '../client.ts'
import type { Command } from 'commander'

function sessionId (id: string): string {
  if (!/^[0-9a-f]{64}$/.test(id)) { throw new CliError('invalid_input', 'a session id is 64 lowercase hex characters') }
  return id
}

function collect (value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

function showSession (s: any): string {
  const head = formatKeyValues({
    id: s.id,
    title: s.title,
    owner: s.owner,
    participants: s.participants,
    present: s.presence?.map((p: any) => p.name ?? p.peer) ?? [],
    closed: s.closed ? `yes, solution entry ${String(s.solution_entry)}` : 'no',
    created: formatTime(s.created_at)
  })
  const fields = s.fields == null ? '' : Object.entries(s.fields as Record<string, string>).map(([k, v]) => `\n## ${k}\n${v === '' ? '(empty)' : v}\n`).join('')
  return head + fields
}

export function registerSessionCommand (program: Command): void {
  const session = program.command('session').description('learning sessions: create, invite, show, edit, close')

  clientCommand(session.command('create').description('open a session owned by the node').argument('<title>', 'what the session is about'))
    .option('--problem <text>', 'the problem statement')
    .option('--description <text>', 'a short description')
    .option('-p, --participant <peer-id>', 'a node that may write (repeatable)', collect)
    .action(async (title: string, opts: ClientOptions & { problem?: string, description?: string, participant?: string[] }) => {
      const client = await createApiClient(opts)
      const s = await client.post('/api/v1/knowledge/sessions', { title, problem: opts.problem, description: opts.description, participants: opts.participant })
      output(opts.json, s, () => showSession(s))
    })

  clientCommand(session.command('invite').description('let more nodes write (owner only)').argument('<id>', 'session id').argument('<peer-id...>', 'nodes to invite'))
    .action(async (id: string, peers: string[], opts: ClientOptions) => {
      const client = await createApiClient(opts)
      const s = await client.post(`/api/v1/knowledge/sessions/${sessionId(id)}/participants`, { participants: peers })
      output(opts.json, s, () => formatKeyValues({ id: s.id, participants: s.participants }))
    })

  clientCommand(session.command('show').description('a session: who takes part, who is present, its document').argument('[id]', 'session id (none: list sessions)'))
    .action(async (id: string | undefined, opts: ClientOptions) => {
      const client = await createApiClient(opts)
      if (id == null) {
        const { items } = await client.get('/api/v1/knowledge/sessions')
        output(opts.json, items, () => items.length === 0 ? 'no sessions\n' : items.map((s: any) => `${String(s.id).slice(0, 12)}  ${s.closed === true ? 'closed' : 'open  '}  ${String(s.title)}`).join('\n') + '\n')
        return
      }
      const s = await client.get(`/api/v1/knowledge/sessions/${sessionId(id)}`)
      output(opts.json, s, () => showSession(s))
    })

  clientCommand(session.command('edit').description("replace a field's text (participants only)").argument('<id>', 'session id').argument('<field>', 'problem, notes, proposals or solution').argument('<text>', 'the new text'))
    .action(async (id: string, field: string, text: string, opts: ClientOptions) => {
      if (!['problem', 'notes', 'proposals', 'solution'].includes(field)) { throw new CliError('invalid_input', 'field is one of problem, notes, proposals, solution') }
      const client = await createApiClient(opts)
      const s = await client.post(`/api/v1/knowledge/sessions/${sessionId(id)}/edit`, { field, text })
      output(opts.json, s, () => showSession(s))
    })

  clientCommand(session.command('close').description('close a session (owner only) and publish its solution as a knowledge entry').argument('<id>', 'session id'))
    .action(async (id: string, opts: ClientOptions) => {
      const client = await createApiClient(opts)
      const s = await client.post(`/api/v1/knowledge/sessions/${sessionId(id)}/close`)
      output(opts.json, s, () => `closed; solution published as knowledge entry ${String(s.solution_entry)}\n`)
    })
}
