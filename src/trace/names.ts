/**
 * One string object per distinct name in a trace: every occurrence of `cli1`
 * is the same string, and a name the language knows (a call, a constant, a
 * method, a callback, an observer) is the catalogue's own string.
 *
 * Why: the runner and the world look names and ids up in Maps on every call
 * (variables, handlers, objects, ledgers). V8 finds a key that is the very
 * string it stored by comparing pointers; an equal string that is another
 * object (each token is its own slice of its line) takes a slow path and
 * compares characters, which measured three times slower per lookup.
 */
import { CALLBACKS, CATALOGUE, CONSTANTS, METHODS, OBSERVERS } from './catalogue.ts';

/** Every name the language defines, as the catalogue spells it. */
const KNOWN: readonly string[] = [
  ...CATALOGUE.keys(),
  ...CONSTANTS.keys(),
  ...METHODS,
  ...Object.values(CALLBACKS).flatMap((kind) => Object.keys(kind)),
  ...OBSERVERS.keys(),
];

/** The names of one trace. */
export class Names {
  private readonly table = new Map<string, string>(KNOWN.map((n) => [n, n]));

  /** The trace's one string for `text`. */
  of(text: string): string {
    let name = this.table.get(text);
    if (name === undefined) this.table.set(text, (name = text));
    return name;
  }
}
