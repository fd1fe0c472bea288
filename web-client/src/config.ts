/**
 * Where the browser node gets its settings: the page URL first, then the config a Node
 * node serves next to the client (`/web-config.json`, see node/api/web.ts), then
 * defaults. URL parameters:
 *
 * `bootstrap=<multiaddr>` (repeatable): nodes to join through (WebSocket addresses with
 * `/p2p/<id>`); they also serve as circuit relays for WebRTC signalling.
 *
 * `ice=none` or `ice=<url>,<url>`: ICE (STUN/TURN) servers for WebRTC; by default the
 * served config's, else libp2p's public defaults.
 *
 * `media=1`: ask for microphone access before dialling. Chromium gathers host (loopback,
 * private) ICE candidates only for pages with media access; needed when every peer is on
 * one machine (tests, local development), never in normal use.
 *
 * `profile=<name>`: which local profile (identity and data) this tab uses.
 *
 * `discovery=<ms>`: how often the tab re-announces itself to other tabs.
 */
import { multiaddr } from '@multiformats/multiaddr'

export const WEB_CONFIG_PATH = '/web-config.json'

export interface WebConfig {
  bootstrap: string[]
  /** undefined = libp2p's default STUN servers */
  iceServers?: RTCIceServer[]
  requestMedia: boolean
  profile?: string
  /** peer discovery broadcast interval, ms */
  discoveryIntervalMs: number
}

/** what `/web-config.json` holds */
export interface ServedConfig {
  bootstrap?: string[]
  iceServers?: Array<string | RTCIceServer>
  peerId?: string
}

export class ConfigError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

export function parseIceServers (value: Array<string | RTCIceServer>): RTCIceServer[] {
  return value.map(v => {
    const urls = typeof v === 'string' ? v : v.urls
    for (const url of Array.isArray(urls) ? urls : [urls]) {
      if (typeof url !== 'string' || !/^(stun|turns?):\S+$/.test(url)) { throw new ConfigError(`not a STUN/TURN url: ${String(url)}`) }
    }
    return typeof v === 'string' ? { urls: v } : v
  })
}

export function checkBootstrap (addrs: string[]): string[] {
  for (const a of addrs) {
    let ok = false
    try {
      ok = multiaddr(a).getComponents().some(c => c.name === 'p2p')
    } catch {
      // not a multiaddr at all
    }
    if (!ok) { throw new ConfigError(`bootstrap address must be a multiaddr ending in /p2p/<peer id>: ${a}`) }
  }
  return addrs
}

/** WebSocket addresses whose host is the page's own host come first: they are the likeliest to work */
export function rankBootstrap (addrs: string[], pageHost: string): string[] {
  const score = (a: string): number => a.includes(`/${pageHost}/`) ? 0 : 1
  return [...addrs].sort((a, b) => score(a) - score(b))
}

export function configFrom (params: URLSearchParams, served: ServedConfig | undefined, pageHost: string): WebConfig {
  const fromUrl = params.getAll('bootstrap').filter(s => s.length > 0)
  const bootstrap = checkBootstrap(fromUrl.length > 0 ? fromUrl : rankBootstrap(served?.bootstrap ?? [], pageHost))
  let iceServers: RTCIceServer[] | undefined
  const ice = params.get('ice')
  if (ice === 'none') { iceServers = [] } else if (ice != null && ice !== '') { iceServers = parseIceServers(ice.split(',')) } else if (served?.iceServers != null) { iceServers = parseIceServers(served.iceServers) }
  const profile = params.get('profile') ?? undefined
  if (profile != null && !/^[a-z0-9][a-z0-9-]{0,31}$/.test(profile)) { throw new ConfigError(`bad profile name: ${profile}`) }
  const interval = Number(params.get('discovery') ?? 20_000)
  if (!Number.isInteger(interval) || interval < 500) { throw new ConfigError('discovery interval must be an integer >= 500 (ms)') }
  return { bootstrap, iceServers, requestMedia: params.get('media') === '1', profile, discoveryIntervalMs: interval }
}

/** the served config, or undefined when the page is not served by a node (or offline) */
export async function fetchServedConfig (): Promise<ServedConfig | undefined> {
  try {
    const res = await fetch(WEB_CONFIG_PATH, { cache: 'no-cache' })
    if (!res.ok) { return undefined }
    const body = await res.json()
    return body != null && typeof body === 'object' ? body as ServedConfig : undefined
  } catch {
    return undefined
  }
}

export async function loadWebConfig (): Promise<WebConfig> {
  const served = await fetchServedConfig()
  return configFrom(new URLSearchParams(location.search), served, location.hostname)
}
