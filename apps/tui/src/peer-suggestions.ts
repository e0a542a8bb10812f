/** What `--to NAME` is compared with. */
export interface NamedPeer {
  id: string;
  name: string;
}

/**
 * Whether `query` names one of `peers` the way the node looks peers up (core's findPeerIn):
 * exact id, id prefix of 4 or more characters, or the name ignoring case.
 */
export function matchesPeer(query: string, peers: readonly NamedPeer[]): boolean {
  const wanted = query.trim().toLowerCase();
  return peers.some((p) => p.id === wanted || (wanted.length >= 4 && p.id.startsWith(wanted)) || p.name.toLowerCase() === wanted);
}

/**
 * Up to `max` peer names close to `query`, closest first: names that start with it (or that it
 * starts with) before the rest, then by edit distance. A name further than about half the
 * query's length is no suggestion: `deskpc` finds `desk-pc`, not `lab-box`.
 */
export function closestPeerNames(query: string, peers: readonly NamedPeer[], max = 3): string[] {
  const wanted = query.trim().toLowerCase();
  const limit = Math.max(2, Math.ceil(wanted.length / 2));
  const scored = new Map<string, { prefix: boolean; distance: number }>();
  for (const { name } of peers) {
    const lower = name.toLowerCase();
    const prefix = wanted.length > 0 && (lower.startsWith(wanted) || wanted.startsWith(lower));
    const distance = editDistance(wanted, lower);
    if (!prefix && distance > limit) continue;
    const seen = scored.get(name);
    if (!seen || distance < seen.distance) scored.set(name, { prefix, distance });
  }
  return [...scored.entries()]
    .sort(([a, x], [b, y]) => Number(y.prefix) - Number(x.prefix) || x.distance - y.distance || a.localeCompare(b))
    .slice(0, max)
    .map(([name]) => name);
}

/**
 * Levenshtein distance (insertions, deletions, substitutions), by code point. A dozen lines
 * with one row of memory; peer names are short and few.
 */
export function editDistance(a: string, b: string): number {
  const s = [...a];
  const t = [...b];
  let row = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const next = [i];
    for (let j = 1; j <= t.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[t.length]!;
}
