/**
 * The one way a bad trace is reported.
 *
 * Every problem the lexer, parser or checker finds becomes a TraceError that
 * points at the exact line and column, rendered the way compilers do
 * (`file:line:col: message`) so editors and terminals can jump to it. The CLI
 * prints it and exits 2; anything else escaping from parsing is a bug.
 */

import type { Pos } from './ast.ts';

/** A problem in a trace file, located at a 1-based line and column. */
export class TraceError extends Error {
  /** The file name as given to the parser (shown as is, never resolved). */
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** The message without the `file:line:col: ` prefix. */
  readonly reason: string;

  constructor(file: string, line: number, col: number, reason: string) {
    super(`${file}:${line}:${col}: ${reason}`);
    this.name = 'TraceError';
    this.file = file;
    this.line = line;
    this.col = col;
    this.reason = reason;
  }

  /** A TraceError at an AST position. */
  static at(file: string, pos: Pos, reason: string): TraceError {
    return new TraceError(file, pos.line, pos.col, reason);
  }

  /** `file:line:col: message`, without the usual `TraceError: ` prefix, so the CLI can print it as is. */
  override toString(): string {
    return this.message;
  }
}

/**
 * `; did you mean X?` for a misspelt name, or `''` when no candidate is a
 * plausible typo. The closest candidate by optimal-string-alignment distance,
 * ignoring case, wins (a swapped pair of letters or a wrong case counts as one
 * slip; ties go to the earlier candidate); failing that, the candidates the name
 * is a prefix of (`get_cb_store` for the `get_cb_store_*` family) are listed,
 * if there are at most four.
 */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const found = suggestions(name, candidates);
  if (found.length === 0) return '';
  const list = found.length === 1 ? found[0]! : `${found.slice(0, -1).join(', ')} or ${found[found.length - 1]!}`;
  return `; did you mean ${list}?`;
}

/** The names {@link didYouMean} would suggest, best first. */
export function suggestions(name: string, candidates: Iterable<string>): string[] {
  const pool = [...candidates].filter((c) => c !== name);
  const best = closestName(name, pool);
  if (best !== null) return [best];
  // A bare prefix is too weak a hint for very short names.
  if (name.length < 4) return [];
  const lower = name.toLowerCase();
  const extensions = pool.filter((c) => c.toLowerCase().startsWith(lower));
  // Past a handful the list stops being a hint (`SSL_CTX` would name thirty functions).
  return extensions.length <= 4 ? extensions : [];
}

/** The candidate closest to `name` within a typo's distance, or null. */
export function closestName(name: string, candidates: Iterable<string>): string | null {
  // Short names tolerate fewer slips, or every two-letter name would "match".
  const limit = name.length <= 4 ? 1 : name.length <= 10 ? 2 : 3;
  let best: string | null = null;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    // The length gap bounds the distance from below; skipping early keeps huge names cheap.
    if (Math.abs(candidate.length - name.length) >= bestDistance) continue;
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance && candidate !== name) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions. */
function editDistance(a: string, b: string): number {
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      row.push(d);
    }
    prev2 = prev;
    prev = row;
  }
  return prev[b.length]!;
}
