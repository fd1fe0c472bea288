/**
 * Which node the page shows. Served by a node (`liberation start --web`), the page is
 * that node's dashboard (the node view) unless `?view=tab` asks for the tab's own node;
 * anywhere else it can only be the tab's node. The node view's API token, when the node
 * demands one, comes from the URL fragment (`#token=…`, never sent to a server, and
 * removed from the address bar at once) or from the user, and is kept for this tab's
 * session only.
 */
import type { ServedConfig } from './config.ts'

export type ViewKind = 'tab' | 'node'

const TOKEN_KEY = 'liberation-api-token'

export function chooseView (params: URLSearchParams, served: ServedConfig | undefined): ViewKind {
  const asked = params.get('view')
  if (asked === 'tab') { return 'tab' }
  if (asked === 'node' || served != null) { return served != null ? 'node' : 'tab' }
  return 'tab'
}

/** the URL of the same page in the other view, other parameters kept */
export function otherViewHref (current: URL, kind: ViewKind): string {
  const url = new URL(current.href)
  url.hash = ''
  url.searchParams.set('view', kind === 'node' ? 'tab' : 'node')
  return url.pathname + url.search
}

/** `#token=…` (or `#access_token=…`) of the page URL, if any */
export function tokenFromFragment (hash: string): string | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''))
  const t = params.get('token') ?? params.get('access_token')
  return t != null && t.trim() !== '' ? t.trim() : undefined
}

export function storedToken (): string | undefined {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined
  } catch {
    return undefined
  }
}

export function storeToken (token: string | undefined): void {
  try {
    if (token == null) { sessionStorage.removeItem(TOKEN_KEY) } else { sessionStorage.setItem(TOKEN_KEY, token) }
  } catch {
    // storage disabled: the token lives as long as the page
  }
}

/** takes a token out of the fragment (and out of the address bar and history), else the stored one */
export function takeToken (): string | undefined {
  const fromUrl = tokenFromFragment(location.hash)
  if (fromUrl != null) {
    storeToken(fromUrl)
    history.replaceState(history.state, '', location.pathname + location.search)
    return fromUrl
  }
  return storedToken()
}
