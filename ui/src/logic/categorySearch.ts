// Category search for the finding form: the worker types characters (乱堆), full pinyin
// (luandui) or initials (ldlf) and gets the matching leaves of the tree, best first.
//
// Ranking (lower is better), per leaf, the best of its fields:
//   0 exact   — the query equals the name, the code, the full pinyin or the initials
//   1 prefix  — the name, pinyin or initials start with the query
//   2 contains — the name, pinyin or initials contain the query
//   3 path    — the class name (path) contains the query (e.g. 市容 → all 市容环境 leaves)
// Ties keep the tree order (by code), so the list is stable while typing.
import type { CategoryView } from '@/backend/types'

export interface CategoryHit {
  category: CategoryView
  rank: number
}

/** Lower-case, no spaces, no apostrophes (xi'an), full-width letters folded. */
export function normalizeQuery(q: string): string {
  return q
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s'’·]/g, '')
}

function rankOf(c: CategoryView, q: string): number | null {
  const name = c.name.normalize('NFKC').toLowerCase()
  const fields = [name, c.pinyin.toLowerCase(), c.initials.toLowerCase()]
  if (fields.includes(q) || c.code === q) return 0
  if (fields.some((f) => f.startsWith(q))) return 1
  if (fields.some((f) => f.includes(q))) return 2
  if (c.path.toLowerCase().replace(/\s/g, '').includes(q)) return 3
  return null
}

/** The leaves matching `query`, best first; all leaves in tree order for an empty query. */
export function searchCategories(all: readonly CategoryView[], query: string, limit = 50): CategoryHit[] {
  const leaves = all.filter((c) => c.leaf).sort((a, b) => a.code.localeCompare(b.code, 'en', { numeric: true }))
  const q = normalizeQuery(query)
  if (!q) return leaves.slice(0, limit).map((category) => ({ category, rank: 0 }))
  const hits: CategoryHit[] = []
  for (const category of leaves) {
    const rank = rankOf(category, q)
    if (rank !== null) hits.push({ category, rank })
  }
  // Array.prototype.sort is stable: equal ranks keep the tree order.
  hits.sort((a, b) => a.rank - b.rank)
  return hits.slice(0, limit)
}
