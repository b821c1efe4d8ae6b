/**
 * The reference ledger of one object: who believes they hold each of its
 * references, in the order they took them (machines/refcount.ts says what it
 * is for).
 *
 * A ledger is changed in place, the one part of a machine's context that is:
 * its updates (`addHolder`, `dropHolder`, `transfer`, …) call `add`, `drop`
 * and `relabel` and return the new count. The immutable version copied the
 * list on every change, and a ctx's ledger lists two entries per SSL made
 * from it (`ssl:c1/ctx`, `ssl:c1/session_ctx`): a hundred on average in the
 * bench's long trace, over 500 at its peak, copied at every SSL_new and
 * SSL_free. Changing it in place is sound because no one ever steps an old
 * snapshot: the world keeps one snapshot per object, and the engine-agreement
 * suite steps both engines forward only.
 *
 * A plain list, scanned while it is short: most ledgers are a session's, with
 * one to three entries, and a Map per ledger was measured slower. A long one
 * (a ctx's) becomes an ordered set with an index by holder, so finding and
 * removing an SSL's entry costs the same with ten SSLs or ten thousand.
 */

/** One entry of the ledger. `who` is `app`, `ssl:c1`, `ssl:c1/ctx`, `cache:sctx`, `store:sctx`, `new_cb`, `lookup`. */
export interface Holder {
  readonly who: string;
  /** The trace line that took the reference (0 for references taken before the trace, never here). */
  readonly line: number;
  /** Its place in acquisition order within its ledger (a hand-over keeps the place of the entry it replaces). */
  readonly seq: number;
}

/** From this many entries on, a ledger keeps its entries in an index by holder. */
const INDEXED_FROM = 16;

export class Ledger {
  /** The entries in acquisition order while the ledger is short (a handed-over reference keeps its place); null once long. */
  private entries: Holder[] | null;
  /**
   * Each holder's entries, once the ledger has been long (null before): its one entry, or its entries in
   * acquisition order. One entry is the usual case in a ctx's ledger (each SSL's two names are its own),
   * kept without a list. The acquisition order across holders is each entry's `seq`: a ctx with thousands
   * of SSLs lists two entries for each, and a list's removal moved every later one (an SSL_free took 23 µs
   * with 5,000 SSLs on one ctx, bench/HISTORY.md session 13). Only `list()` needs that order, and it is rare
   * (messages, the leak check at the end); an ordered set kept beside the index cost a set operation at
   * every add and drop (bench/HISTORY.md session 15).
   */
  private byWho: Map<string, Holder | Holder[]> | null = null;
  /** How many entries the index holds (once long). */
  private indexed = 0;
  /** The `seq` of the next entry. */
  private nextSeq: number;

  private constructor(entries: Holder[]) {
    this.entries = entries;
    this.nextSeq = entries.length;
  }

  /** A ledger whose one entry is `who`'s (the creator's reference). */
  static of(who: string, line: number): Ledger {
    return new Ledger([{ who, line, seq: 0 }]);
  }

  /** An empty ledger. */
  static empty(): Ledger {
    return new Ledger([]);
  }

  /** How many references the ledger lists. */
  get size(): number {
    return this.entries !== null ? this.entries.length : this.indexed;
  }

  /** Does `who` hold at least one reference? */
  holds(who: string): boolean {
    if (this.byWho !== null) return this.byWho.has(who);
    const entries = this.entries!;
    for (let i = 0; i < entries.length; i++) if (entries[i]!.who === who) return true;
    return false;
  }

  /** The entries in acquisition order, as a list that later changes do not touch once the ledger is long (copy it to keep it). */
  list(): readonly Holder[] {
    if (this.entries !== null) return this.entries;
    const all: Holder[] = [];
    for (const indexed of this.byWho!.values()) {
      if (Array.isArray(indexed)) all.push(...indexed);
      else all.push(indexed);
    }
    return all.sort(bySeq);
  }

  /** `who` takes a reference at `line`: a new last entry. */
  add(who: string, line: number): void {
    const holder = { who, line, seq: this.nextSeq++ };
    if (this.entries === null) {
      this.index(this.byWho!, holder);
      this.indexed++;
      return;
    }
    this.entries.push(holder);
    if (this.entries.length >= INDEXED_FROM) this.becomeLong(this.entries);
  }

  /** Removes `who`'s entry acquired at `line` if there is one, else its latest; nothing if `who` holds none. */
  drop(who: string, line: number): void {
    const byWho = this.byWho;
    if (byWho === null) {
      const entries = this.entries!;
      const at = indexOfEntry(entries, who, line);
      if (at >= 0) removeAt(entries, at);
      return;
    }
    const indexed = byWho.get(who);
    if (indexed === undefined) return;
    this.indexed--;
    // `indexed` is `who`'s index entry, read once for both the search and the removal.
    if (!Array.isArray(indexed) || indexed.length === 1) byWho.delete(who);
    else removeAt(indexed, indexOfEntry(indexed, who, line));
  }

  /** `from`'s latest entry becomes `to`'s, taken at `line`, in the same place (a reference handed over). */
  relabel(from: string, to: string, line: number): void {
    if (this.entries !== null) {
      const entries = this.entries;
      for (let i = entries.length - 1; i >= 0; i--) {
        const h = entries[i]!;
        if (h.who !== from) continue;
        entries[i] = { who: to, line, seq: h.seq };
        return;
      }
      return;
    }
    // A rare event in a long ledger (only sessions are handed over, and theirs are short): the entry moves
    // from `from`'s index entry to `to`'s, keeping its place in the order.
    const byWho = this.byWho!;
    const indexed = byWho.get(from);
    if (indexed === undefined) return;
    const old = Array.isArray(indexed) ? indexed[indexed.length - 1]! : indexed;
    if (!Array.isArray(indexed) || indexed.length === 1) byWho.delete(from);
    else indexed.pop();
    const moved = { who: to, line, seq: old.seq };
    const target = byWho.get(to);
    if (target === undefined) byWho.set(to, moved);
    else byWho.set(to, [...(Array.isArray(target) ? target : [target]), moved].sort(bySeq));
  }

  /** Keeps `entries` as the index from now on. */
  private becomeLong(entries: readonly Holder[]): void {
    const byWho = new Map<string, Holder | Holder[]>();
    for (const h of entries) this.index(byWho, h);
    this.byWho = byWho;
    this.indexed = entries.length;
    this.entries = null;
  }

  /** Adds an entry, the latest of its holder, to the index. */
  private index(byWho: Map<string, Holder | Holder[]>, holder: Holder): void {
    const indexed = byWho.get(holder.who);
    if (indexed === undefined) byWho.set(holder.who, holder);
    else if (Array.isArray(indexed)) indexed.push(holder);
    else byWho.set(holder.who, [indexed, holder]);
  }
}

function bySeq(a: Holder, b: Holder): number {
  return a.seq - b.seq;
}

/**
 * Where `who`'s entry acquired at `line` is in `list`, else its latest, else -1. One pass: it ends at the
 * first entry of `who` at `line`, else it has seen the latest entry of `who`.
 */
function indexOfEntry(list: readonly Holder[], who: string, line: number): number {
  let found = -1;
  for (let i = 0; i < list.length; i++) {
    const h = list[i]!;
    if (h.who !== who) continue;
    found = i;
    if (h.line === line) break;
  }
  return found;
}

/** Removes `list[at]`, later entries moving up: splice would allocate the list of what it removed. */
function removeAt(list: Holder[], at: number): void {
  for (let i = at + 1; i < list.length; i++) list[i - 1] = list[i]!;
  list.pop();
}
