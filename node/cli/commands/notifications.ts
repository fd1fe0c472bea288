import { InvalidArgumentError } from 'commander'
import { clientCommand, createApiClient, fetchAll, positiveInt } from '../client.ts'
import { formatKeyValues, formatTable, formatTime, moreHint, output } from '../output.ts'
import type { ClientOptions } from '../client.ts'
import type { Command } from 'commander'

const NOTIFICATION_ID = /^[0-9a-f]{26}$/

function notificationId (value: string): string {
  if (!NOTIFICATION_ID.test(value)) { throw new InvalidArgumentError('a notification id is 26 lowercase hex characters.') }
  return value
}

const row = (n: any): Record<string, unknown> => ({
  id: n.id,
  type: n.type,
  priority: n.priority,
  title: n.title,
  message: n.message,
  created: formatTime(n.created_at),
  expires: formatTime(n.expires_at),
  read: n.read ? 'yes' : 'no'
})

export function registerNotificationsCommand (program: Command): void {
  const notifications = program.command('notifications').description('notifications of a running node: list, read, dismiss')

  clientCommand(notifications.command('list', { isDefault: true }).description('notifications, newest first'))
    .option('-u, --unread', 'only unread ones')
    .option('-n, --limit <n>', 'at most n notifications', positiveInt('--limit', 100_000), 20)
    .action(async (opts: ClientOptions & { unread?: boolean, limit: number }) => {
      const client = await createApiClient(opts)
      const items = await fetchAll<any>(client, '/api/v1/notifications', { unread: opts.unread === true ? true : undefined }, opts.limit)
      output(opts.json, items, () => items.length === 0
        ? 'no notifications\n'
        : formatTable(items, [
          ['ID', n => n.id],
          ['CREATED', n => formatTime(n.created_at)],
          ['PRIORITY', n => n.priority],
          ['READ', n => n.read ? 'yes' : 'no'],
          ['TITLE', n => n.title],
          ['MESSAGE', n => n.message]
        ]) + (items.more ? moreHint(items.length, 'notifications', opts.limit) : ''))
    })

  for (const [name, method, path, description] of [
    ['read', 'post', '/read', 'mark a notification read'],
    ['dismiss', 'delete', '', 'dismiss a notification']
  ] as const) {
    clientCommand(notifications.command(name).description(description).argument('<id>', 'notification id', notificationId))
      .action(async (id: string, opts: ClientOptions) => {
        const client = await createApiClient(opts)
        const n = method === 'post' ? await client.post(`/api/v1/notifications/${id}${path}`) : await client.delete(`/api/v1/notifications/${id}`)
        output(opts.json, n, () => formatKeyValues(row(n)))
      })
  }
}
