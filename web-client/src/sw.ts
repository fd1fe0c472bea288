/**
 * The service worker: the app shell works offline. The page, its assets, manifest and
 * icon are cached at install (the build writes the list in, see vite.config.ts); the
 * tab's data lives in IndexedDB, so an offline reload shows everything it held, and what
 * is posted or registered offline is stored and synced when peers are back (the core's
 * sync on connect).
 *
 * Pages and the served config: network first, cache when offline. Hashed assets: cache
 * first. Everything else (the node's API) is left alone.
 */

interface ExtendableEventLike extends Event { waitUntil(p: Promise<unknown>): void }
interface FetchEventLike extends ExtendableEventLike { readonly request: Request, respondWith(r: Promise<Response>): void }
interface WorkerScope {
  addEventListener(type: 'install' | 'activate', fn: (e: ExtendableEventLike) => void): void
  addEventListener(type: 'fetch', fn: (e: FetchEventLike) => void): void
  skipWaiting(): Promise<void>
  clients: { claim(): Promise<void> }
  location: Location
}

const scope = self as unknown as WorkerScope
/** replaced at build time by the files to precache, separated by '|' */
const PRECACHE: string[] = '__LIBERATION_PRECACHE__'.split('|')
const VERSION: string = '__LIBERATION_VERSION__'
const CACHE = `liberation-shell-${VERSION}`
const SHELL = '/index.html'
const NETWORK_FIRST = new Set(['/web-config.json', '/manifest.webmanifest'])

scope.addEventListener('install', event => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE)
    await cache.addAll(PRECACHE)
    await scope.skipWaiting()
  })())
})

scope.addEventListener('activate', event => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith('liberation-shell-') && key !== CACHE) { await caches.delete(key) }
    }
    await scope.clients.claim()
  })())
})

async function networkFirst (request: Request, cacheKey: string): Promise<Response> {
  const cache = await caches.open(CACHE)
  try {
    const response = await fetch(request)
    if (response.ok) { await cache.put(cacheKey, response.clone()) }
    return response
  } catch (err) {
    const cached = await cache.match(cacheKey)
    if (cached != null) { return cached }
    throw err
  }
}

async function cacheFirst (request: Request): Promise<Response> {
  const cache = await caches.open(CACHE)
  const cached = await cache.match(request)
  if (cached != null) { return cached }
  const response = await fetch(request)
  if (response.ok) { await cache.put(request, response.clone()) }
  return response
}

scope.addEventListener('fetch', event => {
  const { request } = event
  if (request.method !== 'GET') { return }
  const url = new URL(request.url)
  if (url.origin !== scope.location.origin) { return }
  if (request.mode === 'navigate' && (url.pathname === '/' || url.pathname === SHELL)) {
    event.respondWith(networkFirst(request, SHELL))
  } else if (NETWORK_FIRST.has(url.pathname)) {
    event.respondWith(networkFirst(request, url.pathname))
  } else if (url.pathname.startsWith('/assets/') || PRECACHE.includes(url.pathname)) {
    event.respondWith(cacheFirst(request))
  }
})
