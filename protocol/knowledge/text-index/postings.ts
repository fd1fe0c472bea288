/**
 * Postings: per term, the document numbers in ascending order and the term's frequency
 * in each field packed into one 32-bit word; and the numbered names that filters compare.
 */

export const FIELDS = 3
export const TITLE = 0
export const CONTENT = 1
export const TAGS = 2

export function packTf (field: number, tf: number): number {
  // title and tags: 8 bits each, content: 16 bits (frequencies saturate)
  return field === CONTENT ? Math.min(tf, 0xffff) << 16 >>> 0 : Math.min(tf, 0xff) << (field === TITLE ? 0 : 8)
}

/** names numbered from 1 (0: none) */
export class Names {
  names: string[] = ['']
  private readonly ids = new Map<string, number>()

  /** the number of `name`, added when new */
  id (name: string | undefined): number {
    if (name == null) { return 0 }
    let i = this.ids.get(name)
    if (i == null) {
      i = this.names.length
      this.names.push(name)
      this.ids.set(name, i)
    }
    return i
  }

  /** the number of `name`, -1 when unknown */
  find (name: string): number {
    return this.ids.get(name) ?? -1
  }

  load (names: string[]): void {
    if (names[0] !== '' || names.some(n => typeof n !== 'string')) { throw new Error('search snapshot: bad names') }
    this.names = names
    names.forEach((n, i) => { if (i > 0) { this.ids.set(n, i) } })
  }
}
