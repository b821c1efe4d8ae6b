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
 * `; did you mean X?` for the candidate closest to a misspelt name, or `''`
 * when none is close enough to be a plausible typo. Closeness is the
 * optimal-string-alignment distance ignoring case (so a swapped pair of
 * letters or a wrong case counts as one slip); ties go to the earlier candidate.
 */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const best = closestName(name, candidates);
  return best === null ? '' : `; did you mean ${best}?`;
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
