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
