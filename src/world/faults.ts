/**
 * From machine faults to diagnostics.
 *
 * A machine only knows that an event reached it in the wrong state
 * (`use-after-free`), that a release came from someone holding nothing
 * (`bad-free`), or that it died while others still believed they held it
 * (`freed-while-held`). Which misuse that is depends on the path that got
 * there: a cache walking a freed entry is a dangling cache entry (P7), a
 * remove callback freeing its argument breaks the callback contract (P2).
 * `Via` records that path.
 */
import type { SessionEvent } from '../../machines/ssl-session.ts';
import type { SslEvent } from '../../machines/ssl.ts';
import type { CtxEvent } from '../../machines/ssl-ctx.ts';
import { type Diagnostic, KINDS, makeDiagnostic, type Outcome } from './diagnostics.ts';
import type { ObjectKind, World } from './world.ts';

/** The path by which the current events reach objects. */
export type Via =
  | { readonly kind: 'cache'; readonly ctx: string; readonly op: CacheOp; readonly describe: string }
  | { readonly kind: 'callback'; readonly cb: 'new' | 'remove' | 'get'; readonly ctx: string; readonly describe: string };

export type CacheOp = 'flush' | 'evict' | 'lookup' | 'remove' | 'add' | 'ctx-free' | 'flush-compare';

export interface Fault {
  readonly kind: ObjectKind;
  readonly id: string;
  readonly event: SessionEvent | SslEvent | CtxEvent;
  readonly params: Readonly<Record<string, unknown>>;
  readonly via: Via | null;
}

/** What 3.0.19 does when a cache operation walks a destroyed session (spec §10 M1, §9). */
const WALK_CONSEQUENCE: Readonly<Record<CacheOp, string>> = {
  flush:
    'SSL_CTX_flush_sessions walks freed memory: 3.0.19 aborts ("double free or corruption") or, under ASan with libssl uninstrumented, loops forever (spec §10 M1).',
  evict:
    'The eviction in SSL_CTX_add_session tries to unlink freed memory. Under ASan nothing shows yet: the zeroed block has no id, so remove_session_lock refuses it, the entry stays linked and the cache grows past its size; the next flush or SSL_CTX_free hangs on it or frees it again (NOTES.md N9). Without ASan: heap corruption or an abort (spec §10 M1).',
  lookup:
    'The server looks the id up and compares it with freed memory. Under ASan the zeroed block matches nothing, so the lookup misses silently and the handshake is a full one; the entry stays linked for the next flush (NOTES.md N9). Without ASan: resumption from freed memory, silent corruption or a crash (spec §7, §10 M1).',
  remove:
    'SSL_CTX_remove_session is handed freed memory. Under ASan nothing shows yet: the zeroed block has no id, so it is not removed and stays linked for the next flush (NOTES.md N9). Without ASan: heap corruption or an abort (spec §10 M1).',
  add: 'SSL_CTX_add_session compares against and relinks freed memory: heap corruption (spec §10 M1).',
  'ctx-free': 'SSL_CTX_free flushes the cache through freed memory: SIGSEGV, an abort or a hang (spec §9, §10 M1).',
  'flush-compare':
    'The flush deletes a listed session from the hash table and compares its key with a stale node of a destroyed session that shares the stored hash (spec §2 SSL_SESSION_set1_id). OPENSSL_clear_free zeroed the block, so ssl_session_cmp sees version 0 and no id and moves on: nothing shows (its loads are in uninstrumented libssl), and the node keeps pointing at freed memory (FINDINGS F52).',
};

/**
 * The outcomes of a walk over a destroyed entry, by operation (Diagnostic.outcomes):
 * what the ASan harness shows at this walk. OPENSSL_clear_free zeroed the block
 * and ASan's quarantine keeps it from reuse, so:
 * - flush, SSL_CTX_free: the walk reaches the zeroed block. With NULL links
 *   (nothing repaired them) SSL_SESSION_list_remove returns at once and the loop
 *   never ends: a hang (NOTES.md N3, m1a). If a neighbour's unlink or a later add
 *   in front of it wrote both links back, the flush unlinks it and frees it a
 *   second time: a double free (N9, examples/misuse/m01-dangling-middle-flush.trace).
 *   With a remove_session_cb, the harness's callback reads it first: a
 *   use-after-free (N3, m1b). heap-corruption is glibc's abort when the block is
 *   reused (spec §10 M1); SSL_CTX_free may also segfault (spec §9).
 * - evict, lookup, remove: the zeroed block has no id, so remove_session_lock
 *   refuses it and the lookup's compare misses: nothing at this step, the entry
 *   stays linked (NOTES.md N9, examples/misuse/m01-dangling-evicted.trace; the
 *   cache of size 2 then holds 3). What the next flush does was predicted when the
 *   entry was destroyed (freedWhileHeld); compare.ts checks the run against every
 *   prediction made up to the fault.
 * - add: a compare against the zeroed block may go on silently (N1, m8-stale-lhash-node).
 * - flush-compare: the flush's lh_SSL_SESSION_delete of a listed session meets a
 *   stale node of a destroyed session under the same stored hash; the zeroed
 *   block compares unequal: silent (FINDINGS F52).
 */
const WALK_OUTCOMES: Readonly<Record<CacheOp, readonly Outcome[]>> = {
  flush: ['hang', 'double-free', 'use-after-free', 'heap-corruption'],
  evict: ['silent'],
  // the campaign: a handshake's lookup that reached the freed entry died in connect (SIGSEGV)
  lookup: ['silent', 'crash'],
  remove: ['silent'],
  add: ['silent', 'double-free', 'use-after-free', 'heap-corruption', 'crash'],
  'ctx-free': ['crash', 'heap-corruption', 'hang', 'use-after-free', 'double-free'],
  // the zeroed block compares unequal before any memcmp (FINDINGS F52)
  'flush-compare': ['silent'],
};

/** A flush reaching a destroyed entry: a remove_session_cb reads it first (NOTES.md N3, m1b); without one it hangs or is freed again (N3, N9). */
function walkOutcomes(world: World, via: Extract<Via, { kind: 'cache' }>): readonly Outcome[] {
  if (via.op === 'flush' || via.op === 'ctx-free') {
    const hasRemoveCb = world.ctx(via.ctx).removeCb !== null;
    if (via.op === 'flush') return hasRemoveCb ? ['use-after-free', 'heap-corruption'] : ['hang', 'double-free', 'heap-corruption'];
    return hasRemoveCb ? ['use-after-free', 'crash', 'heap-corruption'] : ['hang', 'double-free', 'crash', 'heap-corruption'];
  }
  return WALK_OUTCOMES[via.op];
}

export function diagnoseFault(world: World, fault: Fault): Diagnostic | null {
  const diagnostic = classify(world, fault);
  return diagnostic && { ...diagnostic, subject: `${fault.kind}:${fault.id}` };
}

/** Is the session still in ctx's hash table or list, where the cache can reach it again? */
function linkedIn(world: World, ctx: string, sid: string): boolean {
  const c = world.ctx(ctx);
  return c.lhash.holds(sid) || c.list.holds(sid);
}

function classify(world: World, fault: Fault): Diagnostic | null {
  switch (String(fault.params['kind'])) {
    case 'use-after-free':
      return useAfterFree(world, fault);
    case 'double-free':
      return doubleFree(world, fault);
    case 'bad-free':
      return badFree(world, fault);
    case 'freed-while-held':
      return freedWhileHeld(world, fault);
    case 'bad-transfer':
      return makeDiagnostic(
        'callback-contract',
        world.line,
        `get_session_cb handed over ${world.describe(fault.id)} with *copy = 0 without taking a reference for the library`,
        'The library now believes it owns a reference nobody gave it: when the SSL lets go, the session is destroyed while the application\'s store still points at it, and the store\'s own free is a double free (spec §10 M5).',
        null,
        // m5-get-cb-nocopy, examples/misuse/m05-get-cb-nocopy.trace: the store's release is the double free.
        ['double-free', 'heap-corruption', 'crash'],
      );
    case 'peer-chain-overwritten':
      return peerChainOverwritten(world, fault);
    default:
      throw new Error(`unknown fault ${String(fault.params['kind'])} on ${fault.id}`);
  }
}

/** libssl's own leak (FINDINGS F105): a second full handshake on a client session overwrote its peer chain. */
function peerChainOverwritten(world: World, fault: Fault): Diagnostic {
  const chainLine = Number(fault.params['chainLine'] ?? 0);
  return makeDiagnostic(
    'libssl-leak',
    world.line,
    `libssl leaks the certificate chain ${world.describe(fault.id)} already held: this full handshake reuses the session object (it was offered with an empty id) and overwrites its peer_chain without freeing it`,
    'Nothing fails, but the old STACK_OF(X509) and the server certificate it holds are never freed: at exit LeakSanitizer reports a direct leak of a stack allocated in libssl ' +
      '(by the handshake that read the chain, or by the SSL_SESSION_dup or ticket copy that carried it here). ' +
      'The application cannot free it. Offer a copy from d2i_SSL_SESSION (it carries no chain), or do not empty the id of a session that has completed a handshake.',
    chainLine > 0 ? { line: chainLine, what: 'the full handshake that gave it its chain' } : null,
  );
}

function destroyedCause(world: World, kind: ObjectKind, id: string): Diagnostic['cause'] {
  const info = world.infoOf(kind, id);
  if (!info || info.destroyedLine === null) return null;
  // In words, as every message names a holder (`the application`, `SSL c1/session_ctx`, `the cache of sctx`).
  const by = info.destroyedBy === null ? null : info.destroyedByHolder ? describeHolder(info.destroyedBy) : info.destroyedBy;
  return { line: info.destroyedLine, what: `${world.describe(id, kind)} was destroyed here${by ? ` (last reference released by ${by})` : ''}` };
}

function useAfterFree(world: World, f: Fault): Diagnostic {
  if (f.via?.kind === 'cache') {
    return makeDiagnostic(
      'dangling-cache-entry',
      world.line,
      `the cache of ${f.via.ctx} reaches ${world.describe(f.id, f.kind)}, which was destroyed while still linked (${f.via.describe})`,
      WALK_CONSEQUENCE[f.via.op],
      destroyedCause(world, f.kind, f.id),
      walkOutcomes(world, f.via),
    );
  }
  const inCallback = f.via?.kind === 'callback';
  const where = f.via?.kind === 'callback' ? ` in the ${f.via.cb} callback` : '';
  return makeDiagnostic(
    'use-after-free',
    world.line,
    `${world.describe(f.id, f.kind)} is used${where} after it was destroyed`,
    inCallback
      ? 'ASan reports heap-use-after-free when the callback reads it, or the next free of the block is a double free; an uninstrumented build reads or writes freed memory silently and may crash much later (spec §10 M3).'
      : 'libssl reads or writes freed memory here, which ASan cannot see (libssl is not instrumented): it reports the next free of the block as a double free, and nothing if there is none; an uninstrumented build may crash much later (spec §10 M3, NOTES.md N4).',
    destroyedCause(world, f.kind, f.id),
    // NOTES.md N4: libssl's own access is mostly invisible (m3-dangling-get0: SSL_set_session succeeds, the SSL_free
    // after it is the double free; SSL_SESSION_set1_id on a freed session: no fault at all); harness code (a callback)
    // reads it visibly, and so does ASan's memcmp interceptor when the cache's hash compares the freed id (the 20,000-
    // sequence campaign: SSL_CTX_remove_session of a freed session). A reference taken on freed memory (up_ref) can
    // leave what depends on it unreleased at exit: a leak.
    inCallback
      ? ['use-after-free', 'double-free', 'heap-corruption', 'crash']
      : ['double-free', 'use-after-free', 'silent', 'leak', 'heap-corruption', 'crash'],
  );
}

function doubleFree(world: World, f: Fault): Diagnostic | null {
  const subject = `${f.kind}:${f.id}`;
  const walkedDangling = world.diagnostics.some((d) => d.kind === 'dangling-cache-entry' && d.subject === subject);
  if (f.via?.kind === 'cache' && walkedDangling) return null; // the same dangling entry, already reported this step
  if (f.via?.kind === 'cache' && f.kind === 'session' && !linkedIn(world, f.via.ctx, f.id)) {
    // spec §4 flush: the session was unlinked before remove_cb and its cache reference is freed after the
    // walk; if something freed it in between (remove_cb, P2), that final free is a plain double free.
    return makeDiagnostic(
      'double-free',
      world.line,
      `the cache of ${f.via.ctx} releases its reference on ${world.describe(f.id, f.kind)}, which was destroyed after it was unlinked (${f.via.describe})`,
      'ASan reports attempting double-free at the end of this call; without ASan the destructor runs on zeroed memory and frees the block again, corrupting the heap silently (spec §10 M7).',
      destroyedCause(world, f.kind, f.id),
    );
  }
  if (f.via?.kind === 'cache') {
    return makeDiagnostic(
      'dangling-cache-entry',
      world.line,
      `the cache of ${f.via.ctx} releases its reference on ${world.describe(f.id, f.kind)}, which was already destroyed (${f.via.describe})`,
      WALK_CONSEQUENCE[f.via.op],
      destroyedCause(world, f.kind, f.id),
      walkOutcomes(world, f.via),
    );
  }
  const who = 'who' in f.event ? String(f.event.who) : 'the application';
  const text = f.kind === 'session' ? SESSION_DOUBLE_FREE : HANDLE_DOUBLE_FREE;
  return makeDiagnostic(
    'double-free',
    world.line,
    `${describeHolder(who)} releases ${world.describe(f.id, f.kind)}, which was already destroyed`,
    text.then,
    destroyedCause(world, f.kind, f.id),
    KINDS['double-free'].outcomes,
    text.why(f.kind === 'ctx' ? 'SSL_CTX' : 'SSL'),
  );
}

/** A session's double free (spec §10 M2): SSL_SESSION_free zeroes the block it frees (OPENSSL_clear_free). */
const SESSION_DOUBLE_FREE = {
  why: () => KINDS['double-free'].explanation,
  then: 'ASan reports attempting double-free; without ASan glibc does not notice (OPENSSL_clear_free zeroed the tcache key), the count goes to -1, the destructor runs again and the heap is corrupted silently (spec §10 M2).',
};

/**
 * An SSL_CTX's or an SSL's: SSL_CTX_free and SSL_free end with OPENSSL_free, which leaves the block as it was, so the
 * second call finds the count at 0 and runs the destructor again. Observed on 3.0.19 without ASan (FINDINGS F107,
 * test/conform/handle-double-free.test.ts): glibc aborts inside the second SSL_CTX_free or SSL_free.
 */
const HANDLE_DOUBLE_FREE = {
  why: (type: string) =>
    `A reference was released on an ${type} that was already destroyed. ${type}_free does not zero the block it frees (SSL_SESSION_free ` +
    'does), so the second call finds the count it left at 0, takes it to -1 and runs the destructor again, which frees again what the ' +
    'first run freed.',
  then:
    'ASan reports attempting double-free. Without ASan glibc aborts the process in this call (SIGABRT, "free(): double free detected in ' +
    'tcache 2", observed on 3.0.19), unless the freed memory was handed out again in between: then the heap is corrupted silently.',
};

function badFree(world: World, f: Fault): Diagnostic {
  const who = 'who' in f.event ? String(f.event.who) : 'app';
  const holders = heldBy(world, f);
  const later =
    holders.length === 0
      ? 'It was destroyed now, although its owner had not released it.'
      : `Its count is now lower than its owners (${holders.join(', ')}) believe: it will be destroyed while one of them still points at it.`;
  if (who === 'remove_cb') {
    return makeDiagnostic(
      'callback-contract',
      world.line,
      `remove_session_cb freed ${world.describe(f.id, f.kind)}, a session it was only lent`,
      `${later} The cache frees its own reference right after the callback: a use-after-free or double free (spec §10 M7; Cyrus IMAP #4785).`,
      null,
      // m7-remove-cb-free, examples/misuse/m07-remove-cb-free.trace: ASan reports the cache's free after the callback.
      ['double-free', 'use-after-free', 'heap-corruption', 'crash'],
    );
  }
  const line = 'line' in f.event ? Number(f.event.line) : 0;
  const text = BAD_FREE_TEXT[f.kind];
  return makeDiagnostic(
    'bad-free',
    world.line,
    `${describeHolder(who)} releases a reference on ${world.describe(f.id, f.kind)} that it does not own`,
    `${later} ${text.then}`,
    badFreeCause(world, f, who, line),
    KINDS['bad-free'].outcomes,
    text.why,
  );
}

/**
 * What a bad free means and leads to, by the kind of object: a session's owners are SSLs, caches and stores; an
 * SSL_CTX's are the SSLs made from it (spec §1.3); an SSL's, the application's own pointers (spec §1.4).
 */
const BAD_FREE_TEXT: Readonly<Record<ObjectKind, { readonly why: string; readonly then: string }>> = {
  session: {
    why: KINDS['bad-free'].explanation,
    then: 'When that happens a cache that still links it crashes or hangs at its next flush, eviction or SSL_CTX_free; an SSL that still uses it frees it a second time (spec §10 M1).',
  },
  ctx: {
    why:
      'The application released a reference on an SSL_CTX it does not own: more SSL_CTX_free calls than SSL_CTX_new and SSL_CTX_up_ref ' +
      'gave it references. libssl does not check ownership, it just decrements (spec §4 SSL_CTX_free), so the SSL_CTX will be destroyed ' +
      'while the SSLs made from it, which hold two references each (s->ctx and s->session_ctx, spec §1.3), still point at it.',
    then:
      'When that happens each SSL made from it reads freed memory, and the call that releases one of its references frees it a second time: ' +
      "the SSL's SSL_free, which releases s->session_ctx and then s->ctx (spec §3 SSL_free), or SSL_set_SSL_CTX moving s->ctx away (spec §3).",
  },
  ssl: {
    why:
      'The application released a reference on an SSL it does not own: more SSL_free calls than SSL_new, SSL_dup and SSL_up_ref gave it ' +
      'references. libssl does not check ownership, it just decrements (spec §3 SSL_free), so the SSL will be destroyed while another ' +
      'pointer the application believes owns a reference still points at it (spec §1.4).',
    then: 'When that happens every use of those pointers reads freed memory, and their SSL_free frees it a second time.',
  },
};

/**
 * The cause of a bad-free: `line` is where the handle freed was obtained. A borrowed handle (SSL_get0_session)
 * never carried a reference; an owned one (SSL_SESSION_new, SSL_get1_session, SSL_new, SSL_CTX_new…) did, and the
 * application has released every reference it held since: the cause is its latest release (FINDINGS F94).
 */
function badFreeCause(world: World, f: Fault, who: string, line: number): Diagnostic['cause'] {
  if (line <= 0) return null;
  const info = who === 'app' ? world.infoOf(f.kind, f.id) : undefined;
  if (info === undefined || !info.appLines.includes(line)) return { line, what: 'the pointer was obtained here without a reference (borrowed)' };
  if (info.appReleasedLine === null) return { line, what: 'the pointer was obtained here with a reference, which the application no longer holds' };
  return { line: info.appReleasedLine, what: `the application released its last reference here (the pointer freed was obtained with one at line ${line})` };
}

function freedWhileHeld(world: World, f: Fault): Diagnostic | null {
  const orphans = (f.params['orphans'] as readonly string[] | undefined) ?? [];
  const cache = orphans.find((o) => o.startsWith('cache:'));
  if (f.kind !== 'session' || !cache) return null;
  const ctx = cache.slice('cache:'.length);
  // Already unlinked (a flush that passed it to remove_cb): no entry dangles; the pending release is the fault.
  if (!linkedIn(world, ctx, f.id)) return null;
  return makeDiagnostic(
    'dangling-cache-entry',
    world.line,
    `${world.describe(f.id, f.kind)} is destroyed while the cache of ${ctx} still links it`,
    'Nothing fails yet. The next SSL_CTX_flush_sessions, eviction, lookup of its id or SSL_CTX_free on that context walks freed memory: 3.0.19 aborts, crashes or loops forever, depending on heap layout (spec §10 M1).',
    null,
    // What the next flush or SSL_CTX_free does with it (an eviction, lookup or remove before it is silent under
    // ASan, N9): it hangs on the zeroed links (N3, m1a), or a remove_session_cb's read is a use-after-free (N3, m1b),
    // or, once a neighbour's unlink and an add in front of it wrote its links back, it is freed a second time (N9,
    // examples/misuse/m01-dangling-middle-flush.trace); without ASan glibc aborts (spec §10 M1). A later
    // SSL_CTX_add_session that relinks around the freed node can segfault (the 20,000-sequence campaign).
    ['hang', 'use-after-free', 'double-free', 'heap-corruption', 'crash'],
  );
}

function heldBy(world: World, f: Fault): string[] {
  const table = f.kind === 'session' ? world.sessions : f.kind === 'ssl' ? world.ssls : world.ctxs;
  const snapshot = table.get(f.id);
  return snapshot ? snapshot.context.holders.list().map((h) => describeHolder(h.who)) : [];
}

/** A holder label in words. */
export function describeHolder(who: string): string {
  if (who === 'app') return 'the application';
  if (who === 'remove_cb') return 'remove_session_cb';
  if (who === 'new_cb') return 'new_session_cb';
  if (who === 'get_cb') return 'get_session_cb';
  // The reference a server holds on the session it is deciding to resume (ssl_get_prev_session, spec §7).
  if (who === 'lookup') return "the server's session lookup";
  if (who.startsWith('cache:')) return `the cache of ${who.slice(6)}`;
  if (who.startsWith('store:')) return `the application's store for ${who.slice(6)}`;
  if (who.startsWith('ssl:')) return `SSL ${who.slice(4)}`;
  return who;
}
