/**
 * Private network namespaces for tests and benches that need more than the shared loopback:
 * browser tests (Chromium must see only loopback, so it gathers no other ICE candidates and
 * no traffic leaves the machine) and the mDNS test (multicast over a veth pair).
 *
 * Works for an ordinary user: each namespace belongs to an unprivileged user namespace
 * (`unshare --user --map-root-user --net`), in which the caller is root of its own network
 * stack. Root without user namespaces falls back to a plain `unshare --net`. A namespace is
 * held by a `cat` whose stdin is our pipe, so it goes away with us even if we die.
 */
import { execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface Netns {
  /** pid of the process that holds the namespace */
  readonly pid: number
  /** pid holding the user namespace the network namespace belongs to (none: the initial one) */
  readonly userPid?: number
  /** command prefix that runs a program inside the namespace */
  readonly enter: string[]
  /** runs a command inside the namespace (as the namespace's root) */
  exec(command: string, ...args: string[]): Promise<string>
  close(): Promise<void>
}

export interface NetnsOptions {
  /** create the new network namespace in the user namespace of this one (to join them by veth) */
  sibling?: Netns
}

const MISSING = 'network namespaces unavailable: needs `unshare` and `nsenter` (util-linux), `ip` (iproute2), and unprivileged user namespaces (sysctl user.max_user_namespaces > 0, kernel.unprivileged_userns_clone=1 where it exists) or root'

let userNamespaces: boolean | undefined

async function canUseUserNamespaces (): Promise<boolean> {
  if (userNamespaces == null) {
    try {
      await run('unshare', ['--user', '--map-root-user', '--net', 'ip', 'link', 'set', 'lo', 'up'], { timeout: 10_000 })
      userNamespaces = true
    } catch {
      userNamespaces = false
    }
  }
  return userNamespaces
}

async function hold (command: string[]): Promise<number> {
  const holder = spawn(command[0], [...command.slice(1), 'sh', '-c', 'ip link set lo up && echo ready && exec cat'], { stdio: ['pipe', 'pipe', 'pipe'] })
  let err = ''
  holder.stderr.on('data', (d: Buffer) => { err += d.toString() })
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once('data', () => { resolve() })
    holder.once('exit', code => { reject(new Error(`${MISSING} (${command.join(' ')} exited ${code}: ${err.trim()})`)) })
    holder.once('error', err => { reject(new Error(`${MISSING} (${err.message})`)) })
  })
  holders.set(holder.pid ?? 0, holder)
  return holder.pid ?? 0
}

const holders = new Map<number, ReturnType<typeof spawn>>()

export async function createNetns (options: NetnsOptions = {}): Promise<Netns> {
  let pid: number
  let userPid: number | undefined
  if (options.sibling != null) {
    userPid = options.sibling.userPid
    pid = await hold(userPid == null ? ['unshare', '--net'] : ['nsenter', `--user=/proc/${userPid}/ns/user`, '--preserve-credentials', 'unshare', '--net'])
  } else if (await canUseUserNamespaces()) {
    pid = await hold(['unshare', '--user', '--map-root-user', '--net'])
    userPid = pid
  } else if (process.getuid?.() === 0) {
    pid = await hold(['unshare', '--net'])
  } else {
    throw new Error(MISSING)
  }
  const enter = ['nsenter', ...(userPid == null ? [] : [`--user=/proc/${userPid}/ns/user`, '--preserve-credentials']), `--net=/proc/${pid}/ns/net`]
  const ns: Netns = {
    pid,
    userPid,
    enter,
    async exec (command, ...args) {
      const { stdout } = await run(enter[0], [...enter.slice(1), command, ...args], { timeout: 10_000 })
      return stdout
    },
    async close () {
      const holder = holders.get(pid)
      holders.delete(pid)
      if (holder == null) { return }
      holder.stdin?.end()
      holder.kill('SIGKILL')
      if (holder.exitCode == null && holder.signalCode == null) { await new Promise(resolve => holder.once('exit', resolve)) }
    }
  }
  return ns
}

/**
 * Two sibling namespaces joined by a veth pair with the given addresses (/24) and a
 * multicast route, as two hosts on one LAN.
 */
export async function createLan (ips: [string, string]): Promise<[Netns, Netns]> {
  const a = await createNetns()
  const b = await createNetns({ sibling: a })
  try {
    await a.exec('ip', 'link', 'add', 'lan0', 'type', 'veth', 'peer', 'name', 'lan0', 'netns', String(b.pid))
    for (const [ns, ip] of [[a, ips[0]], [b, ips[1]]] as const) {
      await ns.exec('ip', 'addr', 'add', `${ip}/24`, 'dev', 'lan0')
      await ns.exec('ip', 'link', 'set', 'lan0', 'up', 'multicast', 'on')
      await ns.exec('ip', 'route', 'add', '224.0.0.0/4', 'dev', 'lan0')
    }
  } catch (err) {
    await Promise.allSettled([a.close(), b.close()])
    throw err
  }
  return [a, b]
}
