/**
 * Optimal string alignment distance (Damerau–Levenshtein with adjacent transpositions): the
 * number of insertions, deletions, substitutions and swaps of neighbours turning `a` into `b`.
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      }
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

const fold = (name: string): string => name.toLowerCase().replace(/[_-]/g, '');

/**
 * The known name nearest to a mistyped `name` (`audiance` → `audience`, `jwks_uri` → `jwksUri`,
 * `algorithm` → `algorithms`), compared without case, `_` or `-`; undefined when none is close
 * (more than a third of the name's letters, or more than 3, would have to change) and no known
 * name starts with it.
 *
 * @example
 * ```ts
 * nearestName('audiance', ['issuer', 'audience']); // 'audience'
 * ```
 */
export function nearestName(name: string, known: Iterable<string>): string | undefined {
  const typed = fold(name);
  const limit = Math.min(3, Math.max(1, Math.ceil(typed.length / 3)));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const names = [...known];
  for (const candidate of names) {
    const distance = editDistance(typed, fold(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (bestDistance <= limit) return best;
  // A shortened name: `cooldown` for `cooldownDuration`.
  if (typed.length < 4) return undefined;
  return names.find((candidate) => fold(candidate).startsWith(typed));
}
