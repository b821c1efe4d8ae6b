/**
 * The shape of the cache's hash table, OpenSSL's linear hash (crypto/lhash/lhash.c),
 * as far as a lookup can see it (FINDINGS F50, F51, F53).
 *
 * A lookup (`getrn`) walks one bucket's chain and returns the first node whose
 * stored hash and current key match. Two nodes can match one key only when they
 * share the stored hash (a stale node, F50), so they share a bucket, and which is
 * first is their order in that chain. The model keeps the buckets as lhash.c
 * does, one chain each, so an insert, a delete and a lookup cost what they cost
 * in libssl, not a copy of the whole table (a cache of 8,000 sessions made every
 * cache operation a copy of it, bench/HISTORY.md session 13). The table is
 * changed in place, as a ctx's ledger is (machines/ledger.ts says why that is
 * sound). It moves the nodes as the table grows and shrinks:
 * - an insert appends at the end of its chain; a replacement keeps the node (F51);
 * - `OPENSSL_LH_insert` first grows the table by one bucket when the load reaches
 *   2 nodes a bucket (`expand`): the split bucket's nodes that move are pushed
 *   one by one onto the head of the new bucket, so their order reverses (F53);
 * - `OPENSSL_LH_delete` shrinks it by one bucket when the load falls to 1 and the
 *   table has more than MIN_NODES buckets (`contract`): the last bucket's chain is
 *   appended to the one it merges into. `SSL_CTX_flush_sessions` sets the
 *   down-load to 0 for its walk, so a flush contracts only a table it empties.
 */
import type { HashNode } from './ssl-ctx.ts';

/** The fields of OPENSSL_LHASH that decide which bucket a hash is in. */
export interface LhShape {
  readonly numNodes: number;
  readonly p: number;
  readonly pmax: number;
  readonly numAlloc: number;
}

const MIN_NODES = 16;
const LOAD_MULT = 256; // LH_LOAD_MULT
const UP_LOAD = 2 * LOAD_MULT;
export const DOWN_LOAD = LOAD_MULT;

/** OPENSSL_LH_new: MIN_NODES / 2 buckets in use, MIN_NODES allocated. */
export const NEW_LHASH: LhShape = { numNodes: MIN_NODES / 2, p: 0, pmax: MIN_NODES / 2, numAlloc: MIN_NODES };

/**
 * ssl_session_hash (ssl_lib.c) of a key `version:hex id`: the id's first four
 * bytes (zero padded when shorter), little endian; the version is not hashed.
 * -1 for an id the model does not spell in hex (the TLS 1.3 client's random legacy id).
 */
export function keyHash(key: string): number {
  const start = key.indexOf(':') + 1;
  let h = 0;
  // Read digit by digit, not sliced and parsed: every cache lookup, insert and delete hashes its key.
  for (let i = 3; i >= 0; i--) {
    const high = hexDigitAt(key, start + 2 * i);
    const low = hexDigitAt(key, start + 2 * i + 1);
    // An id the model does not spell in hex (the TLS 1.3 client's random legacy id) has random bytes: no node shares them.
    if (high < 0 || low < 0) return -1;
    h = h * 256 + high * 16 + low;
  }
  return h;
}

/** The lower-case hex digit at `at` of `s` (0 past its end: a short id is zero padded), -1 for any other character. */
function hexDigitAt(s: string, at: number): number {
  if (at >= s.length) return 0;
  const c = s.charCodeAt(at);
  if (c >= 48 && c <= 57) return c - 48; // 0-9
  if (c >= 97 && c <= 102) return c - 87; // a-f
  return -1;
}

/** getrn's bucket: `hash % pmax`, or `hash % num_alloc_nodes` for a bucket already split. */
function bucketOf(hash: number, s: LhShape): number {
  const nn = hash % s.pmax;
  return nn < s.p ? hash % s.numAlloc : nn;
}

const NO_NODES: readonly HashNode[] = Object.freeze([]);

/** The cache's hash table: OPENSSL_LHASH's buckets and shape, changed in place. */
export class LHash {
  /** The chains, `b[i]` in lhash.c; a missing or empty one is an empty bucket. */
  private readonly buckets: HashNode[][] = [];
  /**
   * The nodes whose hash is -1 (ids not spelled in hex), in insertion order: their random bytes put
   * them in no bucket another node shares, and no growth moves them.
   */
  private readonly unhashed: HashNode[] = [];
  /** num_items. */
  private items = 0;
  /** How many nodes each session has (a stale node and a new one may both be a session's, F50). */
  private readonly perSession = new Map<string, number>();
  shape: LhShape = NEW_LHASH;

  /** num_items: SSL_CTX_sess_number. */
  get size(): number {
    return this.items;
  }

  /** Has `sid` a node? */
  holds(sid: string): boolean {
    return this.perSession.has(sid);
  }

  /** The chain a lookup of `hash` walks, in chain order (do not change it). */
  chain(hash: number): readonly HashNode[] {
    if (hash < 0) return this.unhashed;
    return this.buckets[bucketOf(hash, this.shape)] ?? NO_NODES;
  }

  /** Every node, bucket by bucket in chain order. */
  nodes(): HashNode[] {
    const out: HashNode[] = [];
    for (const chain of this.buckets) if (chain !== undefined) out.push(...chain);
    out.push(...this.unhashed);
    return out;
  }

  /** OPENSSL_LH_insert of a new key: the load check (which may grow the table), then the node at the end of its chain. */
  insert(node: HashNode): void {
    this.growIfLoaded();
    this.chainFor(node.hash).push(node);
    this.items++;
    this.perSession.set(node.sid, (this.perSession.get(node.sid) ?? 0) + 1);
  }

  /** OPENSSL_LH_insert of an equal key: after the load check, the node (`key`, `sid`) becomes `by`'s in its place (FINDINGS F51). */
  replace(key: string, sid: string, by: string): void {
    this.growIfLoaded();
    const chain = this.chainFor(keyHash(key));
    for (let i = 0; i < chain.length; i++) {
      const n = chain[i]!;
      if (n.key !== key || n.sid !== sid) continue;
      chain[i] = { key: n.key, sid: by, hash: n.hash };
      this.forget(sid);
      this.perSession.set(by, (this.perSession.get(by) ?? 0) + 1);
    }
  }

  /**
   * OPENSSL_LH_delete of the node (`key`, `sid`), then the shrink check; `downLoad` is 0 during a flush
   * (FINDINGS F53). Without such a node nothing happens: lhash.c returns before the check (the cache
   * procedures delete only a node their lookup found, so no trace reaches that case today).
   */
  delete(key: string, sid: string, downLoad: number): void {
    const chain = this.chainFor(keyHash(key));
    const before = this.items;
    for (let i = chain.length - 1; i >= 0; i--) {
      const n = chain[i]!;
      if (n.key !== key || n.sid !== sid) continue;
      chain.splice(i, 1);
      this.items--;
      this.forget(sid);
    }
    if (this.items === before) return;
    const s = this.shape;
    if (s.numNodes > MIN_NODES && downLoad >= Math.floor((this.items * LOAD_MULT) / s.numNodes)) this.contract();
  }

  private forget(sid: string): void {
    const n = this.perSession.get(sid) ?? 0;
    if (n <= 1) this.perSession.delete(sid);
    else this.perSession.set(sid, n - 1);
  }

  /** The chain a node of `hash` goes in, made if the bucket is empty. */
  private chainFor(hash: number): HashNode[] {
    if (hash < 0) return this.unhashed;
    const at = bucketOf(hash, this.shape);
    return (this.buckets[at] ??= []);
  }

  /** OPENSSL_LH_insert's load check, made before it looks for the key (a replacement too). */
  private growIfLoaded(): void {
    if (Math.floor((this.items * LOAD_MULT) / this.shape.numNodes) >= UP_LOAD) this.expand();
  }

  /** expand: bucket p splits; the nodes that move reach the new bucket's head one by one, so their order reverses. */
  private expand(): void {
    const s = this.shape;
    const nni = s.numAlloc;
    this.shape = s.p + 1 >= s.pmax ? { numNodes: s.numNodes + 1, p: 0, pmax: nni, numAlloc: nni * 2 } : { ...s, numNodes: s.numNodes + 1, p: s.p + 1 };
    const split = this.buckets[s.p];
    if (split === undefined) return;
    const stay: HashNode[] = [];
    const moved: HashNode[] = [];
    for (const n of split) (n.hash % nni !== s.p ? moved : stay).push(n);
    this.buckets[s.p] = stay;
    this.buckets[s.p + s.pmax] = moved.reverse();
  }

  /** contract: the last bucket's chain goes to the end of the chain it merges into. */
  private contract(): void {
    const s = this.shape;
    const last = s.p + s.pmax - 1;
    this.shape = s.p === 0 ? { numNodes: s.numNodes - 1, p: s.pmax / 2 - 1, pmax: s.pmax / 2, numAlloc: s.numAlloc / 2 } : { ...s, numNodes: s.numNodes - 1, p: s.p - 1 };
    const merged = this.buckets[last];
    if (merged === undefined || merged.length === 0) return;
    this.buckets[last] = [];
    const into = this.shape.p;
    (this.buckets[into] ??= []).push(...merged);
  }
}
