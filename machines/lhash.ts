/**
 * The shape of the cache's hash table, OpenSSL's linear hash (crypto/lhash/lhash.c),
 * as far as a lookup can see it (FINDINGS F50, F51, F53).
 *
 * A lookup (`getrn`) walks one bucket's chain and returns the first node whose
 * stored hash and current key match. Two nodes can match one key only when they
 * share the stored hash (a stale node, F50), so they share a bucket, and which is
 * first is their order in that chain. The model keeps the nodes in one array whose
 * order, within each bucket, is the chain's; this module moves them as the table
 * grows and shrinks:
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
 */
export function keyHash(key: string): number {
  const hex = key.slice(key.indexOf(':') + 1, key.indexOf(':') + 9).padEnd(8, '0');
  // An id the model does not spell in hex (the TLS 1.3 client's random legacy id) has random bytes: no node shares them.
  if (!/^[0-9a-f]{8}$/.test(hex)) return -1;
  let h = 0;
  for (let i = 3; i >= 0; i--) h = h * 256 + parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return h;
}

/** getrn's bucket: `hash % pmax`, or `hash % num_alloc_nodes` for a bucket already split. */
function bucketOf(hash: number, s: LhShape): number {
  const nn = hash % s.pmax;
  return nn < s.p ? hash % s.numAlloc : nn;
}

export interface Lh {
  readonly nodes: readonly HashNode[];
  readonly shape: LhShape;
}

/** OPENSSL_LH_insert's load check, made before it looks for the key (a replacement too). */
export function beforeInsert(lh: Lh): Lh {
  return Math.floor((lh.nodes.length * LOAD_MULT) / lh.shape.numNodes) >= UP_LOAD ? expand(lh) : lh;
}

/** expand: bucket p splits; the nodes that move reach the new bucket's head one by one, in reverse. */
function expand({ nodes, shape: s }: Lh): Lh {
  const nni = s.numAlloc;
  const shape = s.p + 1 >= s.pmax ? { numNodes: s.numNodes + 1, p: 0, pmax: nni, numAlloc: nni * 2 } : { ...s, numNodes: s.numNodes + 1, p: s.p + 1 };
  const moving: number[] = [];
  nodes.forEach((n, i) => {
    if (bucketOf(n.hash, s) === s.p && n.hash % nni !== s.p) moving.push(i);
  });
  if (moving.length < 2) return { nodes, shape };
  const out = [...nodes];
  moving.forEach((at, k) => (out[at] = nodes[moving[moving.length - 1 - k]!]!));
  return { nodes: out, shape };
}

/** OPENSSL_LH_delete's check after the node went; `downLoad` is 0 during a flush. */
export function afterDelete(lh: Lh, downLoad: number): Lh {
  const { nodes, shape: s } = lh;
  return s.numNodes > MIN_NODES && downLoad >= Math.floor((nodes.length * LOAD_MULT) / s.numNodes) ? contract(lh) : lh;
}

/** contract: the last bucket's chain goes to the end of the chain it merges into. */
function contract({ nodes, shape: s }: Lh): Lh {
  const last = s.p + s.pmax - 1;
  const shape = s.p === 0 ? { numNodes: s.numNodes - 1, p: s.pmax / 2 - 1, pmax: s.pmax / 2, numAlloc: s.numAlloc / 2 } : { ...s, numNodes: s.numNodes - 1, p: s.p - 1 };
  const merged = nodes.filter((n) => bucketOf(n.hash, s) === last);
  if (merged.length === 0) return { nodes, shape };
  return { nodes: [...nodes.filter((n) => bucketOf(n.hash, s) !== last), ...merged], shape };
}
