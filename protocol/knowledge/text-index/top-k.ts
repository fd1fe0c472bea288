/**
 * The best `k` scores of a query, in a binary heap, so a query keeps no object per match.
 */

export function popcount (m: number): number {
  let c = 0
  for (; m !== 0; m &= m - 1) { c++ }
  return c
}

/** the `k` highest scores seen (ties: the lower document number, i.e. the older entry) */
export class TopK {
  private readonly docs: number[] = []
  private readonly scores: number[] = []
  private readonly k: number

  constructor (k: number) {
    this.k = k
  }

  private less (i: number, j: number): boolean {
    return this.scores[i] < this.scores[j] || (this.scores[i] === this.scores[j] && this.docs[i] > this.docs[j])
  }

  private swap (i: number, j: number): void {
    [this.docs[i], this.docs[j]] = [this.docs[j], this.docs[i]];
    [this.scores[i], this.scores[j]] = [this.scores[j], this.scores[i]]
  }

  offer (doc: number, score: number): void {
    if (this.k <= 0) { return }
    if (this.docs.length < this.k) {
      this.docs.push(doc)
      this.scores.push(score)
      for (let i = this.docs.length - 1; i > 0;) {
        const p = (i - 1) >> 1
        if (!this.less(i, p)) { break }
        this.swap(i, p)
        i = p
      }
      return
    }
    if (score < this.scores[0] || (score === this.scores[0] && doc > this.docs[0])) { return }
    this.docs[0] = doc
    this.scores[0] = score
    for (let i = 0; ;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < this.docs.length && this.less(l, m)) { m = l }
      if (r < this.docs.length && this.less(r, m)) { m = r }
      if (m === i) { break }
      this.swap(i, m)
      i = m
    }
  }

  sorted (): Array<{ doc: number, score: number }> {
    return this.docs.map((doc, i) => ({ doc, score: this.scores[i] })).sort((a, b) => b.score - a.score || a.doc - b.doc)
  }
}
