/**
 * The cache's list of sessions sorted by expiry (spec §1.5): the doubly linked
 * list of `session_cache_head` and `session_cache_tail`, head = latest expiry.
 *
 * Kept as libssl keeps it, links by session, so that unlinking a session and
 * adding one at the head or the tail (every add whose expiry is the latest or
 * the soonest, the usual case) cost what they cost in libssl, not a copy of
 * the whole list (bench/HISTORY.md session 13). It is changed in place, as a
 * ctx's ledger is (machines/ledger.ts says why that is sound). The links name
 * sessions, not nodes, so the structure has no cycles to compare or print.
 */
import { type Expiry, timeoutCmp } from './session-timeout.ts';

/** A list element with the expiry it was sorted by (`calc_timeout`, `timeout_ovf`). */
export interface ListEntry {
  readonly sid: string;
  readonly expiry: Expiry;
}

interface Link {
  readonly entry: ListEntry;
  prev: string | null;
  next: string | null;
}

export class SessionList {
  private readonly links = new Map<string, Link>();
  private head: string | null = null;
  private tail: string | null = null;

  get size(): number {
    return this.links.size;
  }

  /** Is `sid` linked? */
  holds(sid: string): boolean {
    return this.links.has(sid);
  }

  /** The tail: the soonest expiry, where a flush and an eviction start. */
  last(): ListEntry | undefined {
    return this.tail === null ? undefined : this.links.get(this.tail)!.entry;
  }

  /** The entries from the head (latest expiry) to the tail. */
  entries(): ListEntry[] {
    const out: ListEntry[] = [];
    for (let sid = this.head; sid !== null; ) {
      const link = this.links.get(sid)!;
      out.push(link.entry);
      sid = link.next;
    }
    return out;
  }

  /**
   * spec §1.5 SSL_SESSION_list_add: unlink first if linked, then insert at the
   * head if it expires no sooner than the head, at the tail if sooner than the
   * tail, else before the first element after the head it does not expire before.
   */
  add(entry: ListEntry): void {
    this.remove(entry.sid);
    const head = this.head === null ? undefined : this.links.get(this.head)!;
    const tail = this.tail === null ? undefined : this.links.get(this.tail)!;
    if (head === undefined || tail === undefined) {
      this.links.set(entry.sid, { entry, prev: null, next: null });
      this.head = this.tail = entry.sid;
    } else if (timeoutCmp(entry.expiry, head.entry.expiry) >= 0) {
      this.linkBefore(entry, this.head!);
    } else if (timeoutCmp(entry.expiry, tail.entry.expiry) < 0) {
      this.links.set(entry.sid, { entry, prev: this.tail, next: null });
      tail.next = entry.sid;
      this.tail = entry.sid;
    } else {
      // The walk starts after the head and ends, at the latest, at the tail, which the entry does not expire before.
      let at = head.next!;
      while (timeoutCmp(entry.expiry, this.links.get(at)!.entry.expiry) < 0) at = this.links.get(at)!.next!;
      this.linkBefore(entry, at);
    }
  }

  /** SSL_SESSION_list_remove's unlink: nothing if `sid` is not linked. */
  remove(sid: string): void {
    const link = this.links.get(sid);
    if (link === undefined) return;
    this.links.delete(sid);
    if (link.prev === null) this.head = link.next;
    else this.links.get(link.prev)!.next = link.next;
    if (link.next === null) this.tail = link.prev;
    else this.links.get(link.next)!.prev = link.prev;
  }

  private linkBefore(entry: ListEntry, at: string): void {
    const after = this.links.get(at)!;
    this.links.set(entry.sid, { entry, prev: after.prev, next: at });
    if (after.prev === null) this.head = entry.sid;
    else this.links.get(after.prev)!.next = entry.sid;
    after.prev = entry.sid;
  }
}
