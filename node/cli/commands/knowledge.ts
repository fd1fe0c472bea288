import { readFile } from 'node:fs/promises'
import { InvalidArgumentError } from 'commander'
import { CliError, clientCommand, createApiClient, positiveInt } from '../client.ts'
import { formatKeyValues, formatTable, formatTime, output } from '../output.ts'
import type { ClientOptions } from '../client.ts'
import type { Command } from 'commander'

const TYPES = ['technical', 'process', 'solution', 'insight', 'resource', 'collaboration', 'optimization']
const TAG = /^[a-z0-9][a-z0-9-]{0,31}$/

function tag (value: string, previous: string[] = []): string[] {
  if (!TAG.test(value)) { throw new InvalidArgumentError('a tag is 1-32 of a-z, 0-9 and -, starting with a letter or digit.') }
  return [...previous, value]
}

function type (value: string): string {
  if (!TYPES.includes(value)) { throw new InvalidArgumentError(`type is one of ${TYPES.join(', ')}.`) }
  return value
}

function confidence (value: string): number {
  const n = Number(value)
  if (value.trim() === '' || !(n >= 0 && n <= 1)) { throw new InvalidArgumentError('confidence is a number from 0 to 1.') }
  return n
}

function entryId (id: string): string {
  if (!/^[0-9a-f]{64}$/.test(id)) { throw new CliError('invalid_input', 'an entry id is 64 lowercase hex characters') }
  return id
}

interface DraftOptions extends ClientOptions { title?: string, content?: string, file?: string, type?: string, tag?: string[], confidence?: number }

/** content from --content, or from --file ('-' reads stdin) */
async function contentOf (opts: DraftOptions): Promise<string | undefined> {
  if (opts.content != null && opts.file != null) { throw new CliError('invalid_input', 'give --content or --file, not both') }
  if (opts.file == null) { return opts.content }
  if (opts.file === '-') {
    const chunks: Buffer[] = []
    for await (const c of process.stdin) { chunks.push(c as Buffer) }
    return Buffer.concat(chunks).toString('utf8')
  }
  return readFile(opts.file, 'utf8').catch((err: any) => { throw new CliError('invalid_input', `cannot read ${opts.file as string}: ${String(err.code ?? err.message)}`) })
}

function draftOptions (cmd: Command): Command {
  return cmd
    .option('-c, --content <markdown>', 'the entry text (Markdown)')
    .option('-f, --file <path>', 'read the content from a file (- for stdin)')
    .option('-t, --type <type>', `one of ${TYPES.join(', ')}`, type)
    .option('--tag <tag>', 'a tag (repeatable)', tag)
    .option('--confidence <0-1>', "the author's confidence (default 0.5)", confidence)
}

function showEntry (e: any): string {
  return formatKeyValues({
    id: e.id,
    title: e.title,
    type: e.type,
    tags: e.tags,
    author: e.author,
    version: `${e.version as number} (${e.versions as number} held)`,
    confidence: e.confidence,
    rating: e.rating.count === 0 ? 'none' : `${Number(e.rating.mean).toFixed(2)} from ${e.rating.count as number}`,
    retracted: e.retracted ? 'yes' : 'no',
    session: e.session ?? '-',
    created: formatTime(e.created_at),
    updated: formatTime(e.updated_at)
  }) + (e.content != null && e.content !== '' ? `\n${e.content as string}\n` : '')
}

export function registerKnowledgeCommand (program: Command): void {
  const knowledge = program.command('knowledge').description('knowledge entries: add, search, show, rate, edit, retract')

  draftOptions(clientCommand(knowledge.command('add').description('write a knowledge entry, signed by the node').argument('<title>', 'the title')))
    .action(async (title: string, opts: DraftOptions) => {
      const content = await contentOf(opts)
      if (content == null) { throw new CliError('invalid_input', 'give the content with --content or --file') }
      const client = await createApiClient(opts)
      const e = await client.post('/api/v1/knowledge', { title, content, type: opts.type, tags: opts.tag, confidence: opts.confidence })
      output(opts.json, e, () => showEntry({ ...e, content: '' }))
    })

  clientCommand(knowledge.command('search').description('full-text search, best matches first').argument('<query...>', 'words to look for'))
    .option('-t, --type <type>', 'only this type', type)
    .option('--tag <tag>', 'only entries with this tag', (v: string) => tag(v)[0])
    .option('--author <peer-id>', 'only entries by this node')
    .option('-n, --limit <n>', 'at most n results', positiveInt('--limit', 200), 10)
    .action(async (words: string[], opts: ClientOptions & { type?: string, tag?: string, author?: string, limit: number }) => {
      const client = await createApiClient(opts)
      const res = await client.get('/api/v1/knowledge/search', { q: words.join(' '), type: opts.type, tag: opts.tag, author: opts.author, limit: opts.limit })
      const plain = (html: string): string => html.replace(/<\/?mark>/g, '*').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
      output(opts.json, res, () => res.items.length === 0
        ? 'no matches\n'
        : formatTable<any>(res.items, [
          ['ID', h => String(h.entry.id).slice(0, 12)],
          ['TYPE', h => h.entry.type],
          ['RATING', h => h.entry.rating.count === 0 ? '-' : Number(h.entry.rating.mean).toFixed(1)],
          ['TITLE', h => h.entry.title],
          ['MATCH', h => plain(h.snippet).slice(0, 80)]
        ]) + `${res.total as number} matches\n`)
    })

  clientCommand(knowledge.command('show').description('an entry, or with --versions all its versions').argument('<id>', 'entry id'))
    .option('--versions', 'list every version')
    .action(async (id: string, opts: ClientOptions & { versions?: boolean }) => {
      const client = await createApiClient(opts)
      if (opts.versions === true) {
        const { items } = await client.get(`/api/v1/knowledge/${entryId(id)}/versions`)
        output(opts.json, items, () => formatTable<any>(items, [
          ['VERSION', v => v.version],
          ['CREATED', v => formatTime(v.created_at)],
          ['RETRACTED', v => v.retracted ? 'yes' : ''],
          ['TITLE', v => v.title]
        ]))
        return
      }
      const e = await client.get(`/api/v1/knowledge/${entryId(id)}`)
      output(opts.json, e, () => showEntry(e))
    })

  clientCommand(knowledge.command('rate').description("rate an entry's effectiveness; your latest rating counts").argument('<id>', 'entry id').argument('<score>', '0 to 5'))
    .action(async (id: string, score: string, opts: ClientOptions) => {
      if (!/^[0-5]$/.test(score)) { throw new CliError('invalid_input', 'score is a whole number from 0 to 5') }
      const client = await createApiClient(opts)
      const e = await client.post(`/api/v1/knowledge/${entryId(id)}/rating`, { score: Number(score) })
      output(opts.json, e, () => `rating now ${Number(e.rating.mean).toFixed(2)} from ${e.rating.count as number} raters\n`)
    })

  draftOptions(clientCommand(knowledge.command('edit').description('publish a new version of one of your entries').argument('<id>', 'entry id')))
    .option('--title <title>', 'a new title')
    .action(async (id: string, opts: DraftOptions) => {
      const patch = { title: opts.title, content: await contentOf(opts), type: opts.type, tags: opts.tag, confidence: opts.confidence }
      if (Object.values(patch).every(v => v === undefined)) { throw new CliError('invalid_input', 'nothing to change: give --title, --content, --file, --type, --tag or --confidence') }
      const client = await createApiClient(opts)
      const e = await client.patch(`/api/v1/knowledge/${entryId(id)}`, patch)
      output(opts.json, e, () => showEntry({ ...e, content: '' }))
    })

  clientCommand(knowledge.command('retract').description('retract one of your entries (its versions stay listed)').argument('<id>', 'entry id'))
    .action(async (id: string, opts: ClientOptions) => {
      const client = await createApiClient(opts)
      const e = await client.post(`/api/v1/knowledge/${entryId(id)}/retract`)
      output(opts.json, e, () => `retracted ${e.id as string}\n`)
    })
}
