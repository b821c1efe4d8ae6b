/**
 * Property: the cache's hash table (machines/lhash.ts) and expiry list
 * (machines/session-list.ts), changed in place, behave as the immutable
 * arrays they replaced, whose semantics the conformance probes of FINDINGS
 * F50, F51 and F53 hold to libssl: after every operation the same count, the
 * same shape, the same chain order for every hash a lookup can ask for, and
 * the same list from head to tail.
 *
 * The references below are those arrays: every node in one list whose order,
 * within each bucket, is the chain's; the list sorted head first, copied on
 * every change.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyHash, LHash, type LhShape, NEW_LHASH } from '../machines/lhash.ts';
import { type ListEntry, SessionList } from '../machines/session-list.ts';
import type { HashNode } from '../machines/ssl-ctx.ts';
import { type Expiry, timeoutCmp } from '../machines/session-timeout.ts';

// ---- the hash table as one array -------------------------------------------

interface FlatLh {
  readonly nodes: readonly HashNode[];
  readonly shape: LhShape;
}

const bucketOf = (hash: number, s: LhShape): number => (hash % s.pmax < s.p ? hash % s.numAlloc : hash % s.pmax);

function flatGrow(lh: FlatLh): FlatLh {
  const { nodes, shape: s } = lh;
  if (Math.floor((nodes.length * 256) / s.numNodes) < 512) return lh;
  const nni = s.numAlloc;
  const shape = s.p + 1 >= s.pmax ? { numNodes: s.numNodes + 1, p: 0, pmax: nni, numAlloc: nni * 2 } : { ...s, numNodes: s.numNodes + 1, p: s.p + 1 };
  const moving = nodes.flatMap((n, i) => (bucketOf(n.hash, s) === s.p && n.hash % nni !== s.p ? [i] : []));
  const out = [...nodes];
  moving.forEach((at, k) => (out[at] = nodes[moving[moving.length - 1 - k]!]!));
  return { nodes: out, shape };
}

function flatShrink(lh: FlatLh, downLoad: number): FlatLh {
  const { nodes, shape: s } = lh;
  if (!(s.numNodes > 16 && downLoad >= Math.floor((nodes.length * 256) / s.numNodes))) return lh;
  const last = s.p + s.pmax - 1;
  const shape = s.p === 0 ? { numNodes: s.numNodes - 1, p: s.pmax / 2 - 1, pmax: s.pmax / 2, numAlloc: s.numAlloc / 2 } : { ...s, numNodes: s.numNodes - 1, p: s.p - 1 };
  const merged = nodes.filter((n) => bucketOf(n.hash, s) === last);
  return { nodes: [...nodes.filter((n) => bucketOf(n.hash, s) !== last), ...merged], shape };
}

type LhOp =
  | { readonly op: 'insert'; readonly key: string; readonly sid: string }
  | { readonly op: 'replace'; readonly key: string; readonly sid: string; readonly by: string }
  | { readonly op: 'delete'; readonly key: string; readonly sid: string; readonly flushing: boolean };

function flatApply(lh: FlatLh, o: LhOp): FlatLh {
  if (o.op === 'insert') {
    const g = flatGrow(lh);
    return { nodes: [...g.nodes, { key: o.key, sid: o.sid, hash: keyHash(o.key) }], shape: g.shape };
  }
  if (o.op === 'replace') {
    const g = flatGrow(lh);
    return { nodes: g.nodes.map((n) => (n.key === o.key && n.sid === o.sid ? { ...n, sid: o.by } : n)), shape: g.shape };
  }
  const left = lh.nodes.filter((n) => !(n.key === o.key && n.sid === o.sid));
  // OPENSSL_LH_delete returns before its shrink check when no node matches.
  return left.length === lh.nodes.length ? lh : flatShrink({ nodes: left, shape: lh.shape }, o.flushing ? 0 : 256);
}

function lhApply(lh: LHash, o: LhOp): void {
  if (o.op === 'insert') lh.insert({ key: o.key, sid: o.sid, hash: keyHash(o.key) });
  else if (o.op === 'replace') lh.replace(o.key, o.sid, o.by);
  else lh.delete(o.key, o.sid, o.flushing ? 0 : 256);
}

// Ids whose first four bytes repeat (equal stored hashes, as stale nodes have, F50), spread over many buckets,
// and one that is not hex (hash -1). Keys are `version:id`, as cacheKey spells them.
const ids = [...Array.from({ length: 40 }, (_, i) => (i * 0x9e3779b1 >>> 0).toString(16).padStart(8, '0') + 'aa'), '0000000b01', '0000000b02', '0000000b', 'zz'];
const key = fc.constantFrom(...ids).chain((id) => fc.constantFrom(`771:${id}`, `772:${id}`));
const sid = fc.constantFrom('s1', 's2', 's3', 's4', 's5', 's6', 's7', 's8');
// Inserts outweigh deletes at first so that the table grows past its first splits, then deletes shrink it.
// The table splits its first bucket at 16 nodes and contracts only past 16 buckets (more than 32 nodes), so the
// growing phase goes up to 120 inserts and most later deletes name a node the table has.
const growing = fc.array(fc.record({ op: fc.constant('insert' as const), key, sid }), { minLength: 10, maxLength: 120, size: 'max' });
const mixed = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant('insert' as const), key, sid }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('replace' as const), key, sid, by: sid }) },
    { weight: 5, arbitrary: fc.record({ op: fc.constant('delete' as const), key, sid, flushing: fc.boolean() }) },
  ),
  { maxLength: 150, size: 'max' },
);

// ---- the list as one array ---------------------------------------------------

function flatListAdd(list: readonly ListEntry[], entry: ListEntry): readonly ListEntry[] {
  const rest = list.filter((e) => e.sid !== entry.sid);
  const head = rest[0];
  const tail = rest[rest.length - 1];
  if (head === undefined || tail === undefined) return [entry];
  if (timeoutCmp(entry.expiry, head.expiry) >= 0) rest.unshift(entry);
  else if (timeoutCmp(entry.expiry, tail.expiry) < 0) rest.push(entry);
  else rest.splice(rest.findIndex((e, i) => i > 0 && timeoutCmp(entry.expiry, e.expiry) >= 0), 0, entry);
  return rest;
}

const expiry: fc.Arbitrary<Expiry> = fc.record({ calc: fc.integer({ min: 0, max: 12 }), ovf: fc.boolean() });
type ListOp = { readonly op: 'add'; readonly sid: string; readonly expiry: Expiry } | { readonly op: 'remove'; readonly sid: string };
const listOp: fc.Arbitrary<ListOp> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('add' as const), sid, expiry }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), sid }) },
);

describe('LHash', () => {
  it('agrees with the one-array table after every insert, replace and delete', () => {
    fc.assert(
      fc.property(growing, mixed, fc.array(fc.nat(), { minLength: 150, maxLength: 150 }), (first, then, picks) => {
        const lh = new LHash();
        let flat: FlatLh = { nodes: [], shape: NEW_LHASH };
        // Three in four of the later deletes name a node the table has (its key and its session): a random pair rarely would.
        const aimed = (o: LhOp, i: number): LhOp => {
          const pick = picks[i] ?? 3;
          if (o.op !== 'delete' || flat.nodes.length === 0 || pick % 4 === 3) return o;
          const n = flat.nodes[pick % flat.nodes.length]!;
          return { op: 'delete', key: n.key, sid: n.sid, flushing: o.flushing };
        };
        const steps: LhOp[] = [...first, ...then];
        for (const [i, planned] of steps.entries()) {
          const o = i < first.length ? planned : aimed(planned, i - first.length);
          lhApply(lh, o);
          flat = flatApply(flat, o);
          expect(lh.size).toBe(flat.nodes.length);
          expect(lh.shape).toEqual(flat.shape);
          // The chain a lookup of the operation's key walks, after every step; every chain, after every tenth.
          const hashes = i % 10 === 0 ? ids.map((id) => keyHash(`771:${id}`)) : [keyHash(o.key)];
          for (const hash of hashes) expect(lh.chain(hash).filter((n) => n.hash === hash)).toEqual(flat.nodes.filter((n) => n.hash === hash));
          expect(lh.holds(o.sid)).toBe(flat.nodes.some((n) => n.sid === o.sid));
        }
        expect(sorted(lh.nodes())).toEqual(sorted(flat.nodes));
      }),
      { numRuns: 200 },
    );
  });

  it('a delete that finds no node leaves the table as it was, even where a delete that finds one would shrink it', () => {
    // 80 nodes grow the table to 40 buckets.
    const lh = new LHash();
    const keys = Array.from({ length: 80 }, (_, i) => `771:${((i * 0x9e3779b1) >>> 0).toString(16).padStart(8, '0')}`);
    keys.forEach((k) => lh.insert({ key: k, sid: 's1', hash: keyHash(k) }));
    // A flush's deletes (down-load 0) leave 30 nodes in 40 buckets without shrinking: the next delete that
    // finds a node shrinks the table.
    let i = 0;
    while (lh.size > 30) lh.delete(keys[i++]!, 's1', 0);
    const shape = lh.shape;
    expect(shape.numNodes).toBe(40);
    lh.delete('771:ffffffff', 's1', 256);
    lh.delete(keys[0]!, 's1', 256); // deleted already
    expect(lh.shape).toEqual(shape);
    lh.delete(keys[i]!, 's1', 256);
    expect(lh.shape.numNodes).toBe(shape.numNodes - 1);
  });
});

function sorted(nodes: readonly HashNode[]): string[] {
  return nodes.map((n) => `${n.key}/${n.sid}`).sort();
}

describe('SessionList', () => {
  it('agrees with the sorted array after every add and remove', () => {
    fc.assert(
      fc.property(fc.array(listOp, { maxLength: 80 }), (ops) => {
        const list = new SessionList();
        let flat: readonly ListEntry[] = [];
        for (const o of ops) {
          if (o.op === 'add') {
            list.add({ sid: o.sid, expiry: o.expiry });
            flat = flatListAdd(flat, { sid: o.sid, expiry: o.expiry });
          } else {
            list.remove(o.sid);
            flat = flat.filter((e) => e.sid !== o.sid);
          }
          expect(list.entries()).toEqual(flat);
          expect(list.size).toBe(flat.length);
          expect(list.last()).toEqual(flat.at(-1));
          for (const s of ['s1', 's5', 's8']) expect(list.holds(s)).toBe(flat.some((e) => e.sid === s));
        }
      }),
      { numRuns: 500 },
    );
  });
});

// ---- ssl_session_hash --------------------------------------------------------

/** keyHash as first written: the id's first eight characters, zero padded, parsed byte by byte (little endian). */
function referenceKeyHash(key: string): number {
  const hex = key.slice(key.indexOf(':') + 1, key.indexOf(':') + 9).padEnd(8, '0');
  if (!/^[0-9a-f]{8}$/.test(hex)) return -1;
  let h = 0;
  for (let i = 3; i >= 0; i--) h = h * 256 + parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return h;
}

describe('keyHash', () => {
  it('reads the first four bytes of the id, little endian, zero padded', () => {
    expect(keyHash('771:01020304aabbccdd')).toBe(0x04030201);
    expect(keyHash('772:ff')).toBe(0xff);
    expect(keyHash('771:')).toBe(0);
  });

  it('is -1 for an id not spelled in lower-case hex within its first four bytes', () => {
    expect(keyHash('772:0102030G')).toBe(-1);
    expect(keyHash('772:ABCDEF01')).toBe(-1);
    expect(keyHash('772:01020304zz')).toBe(0x04030201);
  });

  it('agrees with the sliced and parsed reference on any key', () => {
    const char = fc.constantFrom(...'0123456789abcdefABCDEFxz:-'.split(''));
    const key = fc.tuple(fc.constantFrom('771', '772', '0', ''), fc.array(char, { maxLength: 12 })).map(([v, cs]) => `${v}:${cs.join('')}`);
    fc.assert(fc.property(fc.oneof(key, fc.string()), (k) => keyHash(k) === referenceKeyHash(k)), { numRuns: 2000 });
  });
});
