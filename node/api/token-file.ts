/** Where a node keeps the API token it generated; read by the CLI on the same machine. */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

export const API_TOKEN_FILE = 'api-token'

export function apiTokenPath (dataDir: string): string {
  return join(dataDir, API_TOKEN_FILE)
}

/** the token a node generated into its data dir, if any */
export async function readStoredApiToken (dataDir: string): Promise<string | undefined> {
  try {
    const t = (await readFile(apiTokenPath(dataDir), 'utf8')).trim()
    return t === '' ? undefined : t
  } catch {
    return undefined
  }
}
