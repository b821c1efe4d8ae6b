/**
 * The trace language's lexer.
 *
 * A trace is line oriented, so the lexer works on one line at a time and is
 * pulled by the parser one token at a time. Pulling (rather than tokenising the
 * whole line up front) lets the parser ask for the one context-dependent token
 * of the language, the dashed word after `expect diagnostic`, which would
 * otherwise split into `use`, `-`, `after`, `-`, `free`.
 *
 * Columns are 1-based UTF-16 offsets into the line, as most editors count them.
 */

import { TraceError } from './errors.ts';
import { Names } from './names.ts';

/** Punctuation and operators, longest first where one is a prefix of another. */
const PUNCTUATION = ['==', '!=', '(', ')', ',', '=', '|', '+', '-', '&', ';'] as const;
export type Punct = (typeof PUNCTUATION)[number];

export type Token =
  | { readonly kind: 'ident'; readonly text: string; readonly col: number; readonly end: number }
  /** An unsigned integer literal; a leading `-` is the parser's business. */
  | { readonly kind: 'int'; readonly text: string; readonly value: number; readonly col: number; readonly end: number }
  /** A string literal; `value` holds one char per byte (code units 0..255), non-ASCII source text as UTF-8. */
  | { readonly kind: 'string'; readonly value: string; readonly col: number; readonly end: number }
  | { readonly kind: 'punct'; readonly text: Punct; readonly col: number; readonly end: number }
  /** `# ...` to the end of the line; `text` is normalised as {@link commentText} describes. */
  | { readonly kind: 'comment'; readonly text: string; readonly col: number; readonly end: number }
  | { readonly kind: 'eol'; readonly col: number; readonly end: number };

/** A diagnostic kind: lowercase words joined by single dashes (`use-after-free`). */
const DIAGNOSTIC_KIND = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** The largest magnitude an integer literal may have: beyond it a JS number stops being exact. */
const MAX_INT = Number.MAX_SAFE_INTEGER;

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isHexDigit = (c: string): boolean => isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
const isIdentStart = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isIdentChar = (c: string): boolean => isIdentStart(c) || isDigit(c);
const isSpace = (c: string): boolean => c === ' ' || c === '\t';

/**
 * Names a character for an error message: printable ASCII quoted, anything
 * else as U+XXXX so that invisible and control characters can be seen.
 */
export function describeChar(text: string, index: number): string {
  const code = text.codePointAt(index) ?? 0;
  if (code >= 0x21 && code <= 0x7e) return `'${String.fromCodePoint(code)}'`;
  return 'U+' + code.toString(16).toUpperCase().padStart(4, '0');
}

/** Names a token for an error message ("expected ..., got X"). */
export function describeToken(token: Token): string {
  switch (token.kind) {
    case 'ident':
    case 'punct':
    case 'int':
      return `'${token.text}'`;
    case 'string':
      return 'a string';
    case 'comment':
      return 'a comment';
    case 'eol':
      return 'end of line';
  }
}

/**
 * The text of a comment as kept in the tree: everything after `#`, without
 * trailing whitespace and without the one space conventionally written after
 * `#`, so that `#x` and `# x` both print back as `# x` and printing is stable.
 */
export function commentText(afterHash: string): string {
  const trimmed = afterHash.trimEnd();
  return trimmed.startsWith(' ') ? trimmed.slice(1) : trimmed;
}

/** Pulls tokens from one line of a trace. */
export class LineLexer {
  private index = 0;

  /**
   * @param text the line, without its line terminator
   * @param file the file name, for errors
   * @param line the 1-based line number, for errors
   * @param names the trace's names: identifiers come out as its strings (names.ts says why)
   */
  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly line: number,
    private readonly names: Names = new Names(),
  ) {}

  /** A TraceError at a 0-based index of this line. */
  error(index: number, reason: string): TraceError {
    return new TraceError(this.file, this.line, index + 1, reason);
  }

  /** The next token; after the end of the line, `eol` forever. */
  next(): Token {
    this.skipSpace();
    const start = this.index;
    const c = this.text[start];
    if (c === undefined) return { kind: 'eol', col: start + 1, end: start + 1 };
    if (c === '#') return this.comment(start);
    if (c === '"') return this.string(start);
    if (isDigit(c)) return this.integer(start);
    if (isIdentStart(c)) return this.identifier(start);
    for (const p of PUNCTUATION) {
      if (this.text.startsWith(p, start)) {
        this.index = start + p.length;
        return { kind: 'punct', text: p, col: start + 1, end: this.index + 1 };
      }
    }
    const hint = this.text.startsWith('//', start) || this.text.startsWith('/*', start) ? ' (comments start with #)' : '';
    throw this.error(start, `unexpected character ${describeChar(this.text, start)}${hint}`);
  }

  /**
   * Reads the dashed word after `expect diagnostic`, or returns null (consuming
   * nothing) if the line has no word there.
   */
  diagnosticKind(): { readonly text: string; readonly col: number } | null {
    this.skipSpace();
    const start = this.index;
    let end = start;
    // Take the whole run a reader would see as one word, then judge its shape,
    // so that `use_after_free` is reported as one bad kind, not as a stray `_after_free`.
    while (end < this.text.length && (isIdentChar(this.text[end]!) || this.text[end] === '-')) end++;
    if (end === start) return null;
    const word = this.text.slice(start, end);
    if (!DIAGNOSTIC_KIND.test(word)) {
      throw this.error(start, `malformed diagnostic kind ${word}: write lowercase words joined by dashes, e.g. use-after-free`);
    }
    this.index = end;
    return { text: word, col: start + 1 };
  }

  private skipSpace(): void {
    while (this.index < this.text.length && isSpace(this.text[this.index]!)) this.index++;
  }

  private comment(start: number): Token {
    this.index = this.text.length;
    return { kind: 'comment', text: commentText(this.text.slice(start + 1)), col: start + 1, end: this.index + 1 };
  }

  private identifier(start: number): Token {
    let end = start;
    while (end < this.text.length && isIdentChar(this.text[end]!)) end++;
    this.index = end;
    return { kind: 'ident', text: this.names.of(this.text.slice(start, end)), col: start + 1, end: end + 1 };
  }

  private integer(start: number): Token {
    const hex = this.text[start] === '0' && (this.text[start + 1] === 'x' || this.text[start + 1] === 'X');
    let end = hex ? start + 2 : start;
    const digit = hex ? isHexDigit : isDigit;
    while (end < this.text.length && digit(this.text[end]!)) end++;
    // A number running straight into letters (`12ab`, `0xfg`) is one malformed
    // word to the reader, so report the whole word rather than a stray identifier.
    let wordEnd = end;
    while (wordEnd < this.text.length && isIdentChar(this.text[wordEnd]!)) wordEnd++;
    const word = this.text.slice(start, wordEnd);
    if (wordEnd !== end || (hex && end === start + 2)) {
      throw this.error(start, `malformed number ${word}`);
    }
    // C reads a leading 0 as octal; refusing it avoids silently meaning 10 by `010`.
    if (!hex && word.length > 1 && word.startsWith('0')) {
      throw this.error(start, `malformed number ${word}: leading zeros are not allowed (there are no octal numbers)`);
    }
    const value = hex ? parseInt(word.slice(2), 16) : Number(word);
    if (!(value <= MAX_INT)) {
      throw this.error(start, `integer ${word} is too large (the limit is ${MAX_INT})`);
    }
    this.index = end;
    return { kind: 'int', text: word, value, col: start + 1, end: end + 1 };
  }

  private string(start: number): Token {
    let value = '';
    let i = start + 1;
    for (;;) {
      const c = this.text[i];
      if (c === undefined) throw this.error(start, 'unterminated string: missing closing "');
      if (c === '"') break;
      if (c === '\\') {
        const [bytes, width] = this.escape(i);
        value += bytes;
        i += width;
        continue;
      }
      const [bytes, width] = this.literalChar(i);
      value += bytes;
      i += width;
    }
    this.index = i + 1;
    return { kind: 'string', value, col: start + 1, end: this.index + 1 };
  }

  /** One escape sequence at `i` (the backslash): its byte and its width in the source. */
  private escape(i: number): [string, number] {
    const e = this.text[i + 1];
    if (e === '"' || e === '\\') return [e, 2];
    if (e === 'x') {
      const hex = this.text.slice(i + 2, i + 4);
      if (hex.length === 2 && isHexDigit(hex[0]!) && isHexDigit(hex[1]!)) return [String.fromCharCode(parseInt(hex, 16)), 4];
      throw this.error(i, '\\x must be followed by two hex digits');
    }
    if (e === undefined) throw this.error(i, 'unterminated string: missing closing "');
    const shown = /^[!-~]$/.test(e) ? `\\${e}` : `backslash before ${describeChar(this.text, i + 1)}`;
    throw this.error(i, `unknown escape ${shown} in a string: use \\", \\\\ or \\xHH`);
  }

  /** One source character at `i` inside a string: its UTF-8 bytes and its width in UTF-16 units. */
  private literalChar(i: number): [string, number] {
    const code = this.text.codePointAt(i)!;
    if (code < 0x20 || code === 0x7f) {
      const hh = code.toString(16).padStart(2, '0');
      throw this.error(i, `control character ${describeChar(this.text, i)} in a string: write it as \\x${hh}`);
    }
    if (code < 0x80) return [this.text[i]!, 1];
    if (code >= 0xd800 && code <= 0xdfff) {
      throw this.error(i, `unpaired surrogate ${describeChar(this.text, i)} in a string`);
    }
    const bytes = Buffer.from(String.fromCodePoint(code), 'utf8');
    return [String.fromCharCode(...bytes), code > 0xffff ? 2 : 1];
  }
}
