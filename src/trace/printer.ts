/**
 * The trace language's printer: {@link Trace} to canonical text.
 *
 * Canonical form: one space around `=`, `|`, `+`, `-`, `==` and `!=`; `, `
 * between arguments; no space inside parentheses or after `&`; a trailing
 * comment as `  # text`; a comment line as `# text`; blank lines kept; every
 * line ends with `\n`. Integers keep the spelling they were written with
 * (`0x200`), so flags stay readable.
 *
 * For any tree the parser produced, `parseTrace(printTrace(t))` equals `t`
 * except for positions, and printing is idempotent.
 */

import type { Expr, Line, Statement, Trace } from './ast.ts';

/**
 * Prints a trace in canonical form, one line per {@link Line} in order (line
 * numbers are not consulted).
 *
 * @throws Error if the tree has a shape the parser never builds (a binary
 * expression as the right operand), since no text would read back as it.
 */
export function printTrace(trace: Trace): string {
  return trace.lines.map((l) => printLine(l) + '\n').join('');
}

/** Prints one line without its terminator. */
export function printLine(line: Line): string {
  const comment = line.comment === null ? null : line.comment === '' ? '#' : `# ${line.comment}`;
  if (line.statement === null) return comment ?? '';
  const statement = printStatement(line.statement);
  return comment === null ? statement : `${statement}  ${comment}`;
}

/** Prints one statement. */
export function printStatement(s: Statement): string {
  switch (s.kind) {
    case 'call':
      return (s.assign === null ? '' : `${s.assign.name} = `) + printExpr(s.call);
    case 'expect':
      return `expect ${printExpr(s.left)} ${s.op} ${printExpr(s.right)}`;
    case 'expect-diagnostic':
      return `expect diagnostic ${s.diagnostic}`;
  }
}

/** Prints one expression. */
export function printExpr(e: Expr): string {
  switch (e.kind) {
    case 'int':
      return e.text;
    case 'const':
    case 'var':
      return e.name;
    case 'null':
      return 'NULL';
    case 'addr':
      return `&${e.name}`;
    case 'string':
      return printString(e.value);
    case 'call':
      return `${e.name}(${e.args.map(printExpr).join(', ')})`;
    case 'binary':
      // The language has no parentheses: operators chain to the left, so a
      // binary right operand has no spelling that would parse back to it.
      if (e.right.kind === 'binary') throw new Error(`cannot print a right-nested ${e.op} expression: the language has no parentheses`);
      return `${printExpr(e.left)} ${e.op} ${printExpr(e.right)}`;
  }
}

/**
 * Prints a byte string (one char per byte) as a literal: printable ASCII as
 * is, `"` and `\` escaped, every other byte as `\xHH` (lowercase), so the
 * output is plain ASCII whatever the bytes.
 */
export function printString(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const c = value[i]!;
    if (c === '"' || c === '\\') out += '\\' + c;
    else if (code >= 0x20 && code < 0x7f) out += c;
    else out += '\\x' + (code & 0xff).toString(16).padStart(2, '0');
  }
  return out + '"';
}
