/**
 * The scenario matrix: traces of ordinary application use, one per sampled
 * combination of the settings an application chooses, written to a directory
 * for `sslsim conform-all DIR` to compare with real libssl step by step.
 *
 *   npx tsx scripts/matrix-probes.ts --out DIR [--count 1500] [--seed 20261130] [--misuse]
 *   node dist/src/cli/main.js conform-all DIR
 *
 * Where the random generator (properties/gen) explores odd orderings, the
 * matrix is what a library's users write: one connection, a session kept by
 * one of three means (SSL_get1_session, an i2d/d2i round trip, SSL_SESSION_dup of
 * the get0 pointer), a shutdown or not, time passing, then the session offered
 * again by a second connection (new SSLs, or the first ones after SSL_clear) and
 * a third, and the second connection's session by a fourth, with the counters
 * read at the end. The twelve axes (`AXES`): the protocol version, the
 * server's tickets, both cache modes, both sides' callbacks, how the session is
 * kept, the shutdown, time and timeouts, the session id context, how the first
 * connection is driven (`connect`, or `handshake` with or without a `read` of
 * the client's tickets) and where the second one runs. The sample is
 * deterministic: the same seed gives the same files, and
 * test/conform/matrix-probes.test.ts checks that the kept probes
 * (conformance/probes/matrix/) are its first ones.
 *
 * With `--misuse` each scenario also carries one misuse an application makes
 * (`MISUSES`: a borrowed session freed, a double free, a use after free, a
 * stale borrow, a leak, a callback breaking its contract, one session in two
 * caches), for `conform-all` to check that the model names it and that libssl
 * does what the model says it does after it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const AXES = {
  version: ['tls1.2', 'tls1.3'],
  tickets: ['default', 'no-ticket', 'num-tickets-0', 'num-tickets-1', 'num-tickets-3', 'early-data'],
  serverMode: [
    'SSL_SESS_CACHE_SERVER',
    'SSL_SESS_CACHE_OFF',
    'SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL_STORE',
    'SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL_LOOKUP',
    'SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_AUTO_CLEAR',
    'SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_UPDATE_TIME',
    'SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL',
    'SSL_SESS_CACHE_BOTH',
  ],
  serverCallbacks: ['none', 'store-copy', 'store-transfer', 'remove-log', 'get-miss'],
  clientMode: ['default', 'SSL_SESS_CACHE_CLIENT', 'SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE'],
  clientCallbacks: ['none', 'store', 'ignore'],
  keptBy: ['get1', 'i2d-d2i', 'dup-of-get0'],
  shutdown: ['both', 'client-only', 'none'],
  time: ['none', 'advance-100', 'advance-7300', 'ctx-timeout-50'],
  sidCtx: ['set', 'changed', 'unset'],
  drive: ['connect', 'handshake-then-read', 'handshake-only'],
  secondOn: ['new-ssls', 'cleared-ssls'],
} as const;

/**
 * One misuse each, as an edit of the scenario's lines. Callbacks set after the scenario's own replace them
 * (SSL_CTX_sess_set_*_cb keeps one callback of each kind).
 */
const MISUSES: Readonly<Record<string, (lines: string[]) => string[]>> = {
  'free-borrowed': (l) => insertAfter(l, 'SSL_SESSION_get_timeout(sess)', ['b = SSL_get0_session(c1)', 'SSL_SESSION_free(b)']),
  'double-free': (l) => insertAfter(l, 'SSL_SESSION_free(sess)', ['SSL_SESSION_free(sess)']),
  'use-after-free': (l) => insertAfter(without(l, 'SSL_SESSION_free(sess)'), 'SSL_SESSION_get_timeout(sess)', ['SSL_SESSION_free(sess)']),
  'stale-borrow': (l) => replace(insertAfter(l, 'SSL_SESSION_get_timeout(sess)', ['b = SSL_get0_session(c1)']), 'SSL_set_session(c3, sess)', 'SSL_set_session(c3, b)'),
  leak: (l) => without(l, 'SSL_SESSION_free(sess2)'),
  'new-cb-return0': (l) => beforeFirstSsl(l, ['SSL_CTX_sess_set_new_cb(sctx, new_cb_store_return0)', 'SSL_CTX_sess_set_get_cb(sctx, get_cb_store_copy)']),
  'new-cb-forget': (l) => beforeFirstSsl(l, ['SSL_CTX_sess_set_new_cb(sctx, new_cb_forget_return1)']),
  'get-cb-nocopy': (l) => beforeFirstSsl(l, ['SSL_CTX_sess_set_new_cb(sctx, new_cb_store)', 'SSL_CTX_sess_set_get_cb(sctx, get_cb_store_nocopy)']),
  'remove-cb-free': (l) => beforeFirstSsl(l, ['SSL_CTX_sess_set_remove_cb(sctx, remove_cb_free)']),
  'client-remove-cb-free': (l) => beforeFirstSsl(l, ['SSL_CTX_set_session_cache_mode(cctx, SSL_SESS_CACHE_CLIENT)', 'SSL_CTX_sess_set_remove_cb(cctx, remove_cb_free)']),
  'two-caches': (l) =>
    insertAfter(insertAfter(l, 'SSL_SESSION_get_timeout(sess)', ['sctx2 = SSL_CTX_new(TLS_server_method())', 'SSL_CTX_add_session(sctx, sess)', 'SSL_CTX_add_session(sctx2, sess)']), 'SSL_CTX_free(sctx)', ['SSL_CTX_free(sctx2)']),
};

function at(lines: string[], line: string): number {
  const i = lines.indexOf(line);
  if (i < 0) throw new Error(`matrix-probes: no line ${line}`);
  return i;
}
function insertAfter(lines: string[], line: string, added: string[]): string[] {
  const i = at(lines, line);
  return [...lines.slice(0, i + 1), ...added, ...lines.slice(i + 1)];
}
function without(lines: string[], line: string): string[] {
  const i = at(lines, line);
  return [...lines.slice(0, i), ...lines.slice(i + 1)];
}
function replace(lines: string[], line: string, by: string): string[] {
  const i = at(lines, line);
  return [...lines.slice(0, i), by, ...lines.slice(i + 1)];
}
function beforeFirstSsl(lines: string[], added: string[]): string[] {
  const i = at(lines, 'c1 = SSL_new(cctx)');
  return [...lines.slice(0, i), ...added, ...lines.slice(i)];
}

type Axes = typeof AXES;
type Combo = { [K in keyof Axes]: Axes[K][number] };

/** mulberry32: a small seeded generator, so a sample is reproducible from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sample(random: () => number): Combo {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  return Object.fromEntries(Object.entries(AXES).map(([k, v]) => [k, pick(v)])) as Combo;
}

function ticketLines(t: Combo['tickets']): string[] {
  switch (t) {
    case 'default':
      return [];
    case 'no-ticket':
      return ['SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET)'];
    case 'num-tickets-0':
      return ['SSL_CTX_set_num_tickets(sctx, 0)'];
    case 'num-tickets-1':
      return ['SSL_CTX_set_num_tickets(sctx, 1)'];
    case 'num-tickets-3':
      return ['SSL_CTX_set_num_tickets(sctx, 3)'];
    case 'early-data': // stateful tickets become single use (spec §6.4)
      return ['SSL_CTX_set_max_early_data(sctx, 16384)', 'SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET)'];
  }
}

function serverCallbackLines(cb: Combo['serverCallbacks']): string[] {
  switch (cb) {
    case 'none':
      return [];
    case 'store-copy':
    case 'store-transfer':
      return [
        'SSL_CTX_sess_set_new_cb(sctx, new_cb_store)',
        `SSL_CTX_sess_set_get_cb(sctx, get_cb_store_${cb === 'store-copy' ? 'copy' : 'transfer'})`,
        'SSL_CTX_sess_set_remove_cb(sctx, remove_cb_evict_store)',
      ];
    case 'remove-log':
      return ['SSL_CTX_sess_set_remove_cb(sctx, remove_cb_log)'];
    case 'get-miss':
      return ['SSL_CTX_sess_set_get_cb(sctx, get_cb_miss)', 'SSL_CTX_sess_set_new_cb(sctx, new_cb_ignore)'];
  }
}

function clientCallbackLines(cb: Combo['clientCallbacks']): string[] {
  if (cb === 'store') return ['SSL_CTX_sess_set_new_cb(cctx, new_cb_store)', 'SSL_CTX_sess_set_remove_cb(cctx, remove_cb_evict_store)'];
  if (cb === 'ignore') return ['SSL_CTX_sess_set_new_cb(cctx, new_cb_ignore)'];
  return [];
}

function keepLines(by: Combo['keptBy']): string[] {
  if (by === 'get1') return ['sess = SSL_get1_session(c1)'];
  if (by === 'i2d-d2i') return ['tmp = SSL_get1_session(c1)', 'n = i2d_SSL_SESSION(tmp, &der)', 'sess = d2i_SSL_SESSION(NULL, &der, n)', 'SSL_SESSION_free(tmp)'];
  return ['tmp = SSL_get0_session(c1)', 'sess = SSL_SESSION_dup(tmp)'];
}

/** One application's lifetime with these settings, and `misuse` if one is given (every object is freed at the end unless the misuse is a leak). */
function traceOf(c: Combo, index: number, misuse: string | null): string {
  // The second connection runs on the first one's SSLs once SSL_clear has reset them (a connection pool), or on new ones.
  const cleared = c.secondOn === 'cleared-ssls';
  const [c2, s2] = cleared ? ['c1', 's1'] : ['c2', 's2'];
  const lines = [
    `# scenario matrix ${index}: ${Object.entries(c).map(([k, v]) => `${k}=${v}`).join(' ')}${misuse ? ` misuse=${misuse}` : ''}`,
    'cctx = SSL_CTX_new(TLS_client_method())',
    'sctx = SSL_CTX_new(TLS_server_method())',
    ...(c.version === 'tls1.2' ? ['SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION)'] : []),
    ...ticketLines(c.tickets),
    `SSL_CTX_set_session_cache_mode(sctx, ${c.serverMode})`,
    ...serverCallbackLines(c.serverCallbacks),
    ...(c.clientMode === 'default' ? [] : [`SSL_CTX_set_session_cache_mode(cctx, ${c.clientMode})`]),
    ...clientCallbackLines(c.clientCallbacks),
    ...(c.sidCtx === 'unset' ? [] : ['SSL_CTX_set_session_id_context(sctx, "app1", 4)']),
    ...(c.time === 'ctx-timeout-50' ? ['SSL_CTX_set_timeout(sctx, 50)'] : []),
    'c1 = SSL_new(cctx)',
    's1 = SSL_new(sctx)',
    ...{ connect: ['connect(c1, s1)'], 'handshake-then-read': ['handshake(c1, s1)', 'read(c1)'], 'handshake-only': ['handshake(c1, s1)'] }[c.drive],
    ...keepLines(c.keptBy),
    'SSL_SESSION_is_resumable(sess)',
    'SSL_SESSION_get_timeout(sess)',
    'SSL_CTX_sess_number(sctx)',
    'SSL_CTX_sess_number(cctx)',
    ...(c.shutdown === 'none' ? [] : ['SSL_shutdown(c1)']),
    ...(c.shutdown === 'both' ? ['SSL_shutdown(s1)'] : []),
    ...(cleared ? ['SSL_clear(c1)', 'SSL_clear(s1)'] : ['SSL_free(c1)', 'SSL_free(s1)']),
    'SSL_SESSION_is_resumable(sess)',
    'SSL_CTX_sess_number(sctx)',
    ...{ none: [], 'advance-100': ['advance_time(100)'], 'advance-7300': ['advance_time(7300)'], 'ctx-timeout-50': ['advance_time(60)'] }[c.time],
    ...(c.sidCtx === 'changed' ? ['SSL_CTX_set_session_id_context(sctx, "app2", 4)'] : []),
    ...(cleared ? offer(c2, s2, 'sess') : connection(c2, s2, 'sess')),
    `sess2 = SSL_get1_session(${c2})`,
    'SSL_SESSION_is_resumable(sess2)',
    'SSL_CTX_sess_number(sctx)',
    'SSL_CTX_sess_number(cctx)',
    `SSL_shutdown(${c2})`,
    `SSL_shutdown(${s2})`,
    `SSL_free(${c2})`,
    `SSL_free(${s2})`,
    ...connection('c3', 's3', 'sess'), // the first session again: single use, expired, removed?
    ...connection('c4', 's4', 'sess2'),
    ...['hits', 'misses', 'cb_hits', 'timeouts', 'cache_full', 'number'].flatMap((s) => [`SSL_CTX_sess_${s}(sctx)`]),
    'SSL_CTX_sess_number(cctx)',
    'SSL_CTX_flush_sessions(sctx, time(NULL))',
    'SSL_CTX_flush_sessions(cctx, time(NULL))',
    'SSL_shutdown(c3)',
    'SSL_shutdown(s3)',
    'SSL_free(c3)',
    'SSL_free(s3)',
    'SSL_free(c4)',
    'SSL_free(s4)',
    'SSL_SESSION_free(sess)',
    'SSL_SESSION_free(sess2)',
    'store_free_all(sctx)',
    'store_free_all(cctx)',
    'SSL_CTX_free(cctx)',
    'SSL_CTX_free(sctx)',
  ];
  return (misuse ? MISUSES[misuse]!(lines) : lines).join('\n') + '\n';
}

/** A new client offering `sess` to a new server, and what both ends say about resumption. */
function connection(client: string, server: string, sess: string): string[] {
  return [`${client} = SSL_new(cctx)`, `${server} = SSL_new(sctx)`, ...offer(client, server, sess)];
}

/** `client` offers `sess` to `server` (both new or cleared), and what both ends say about resumption. */
function offer(client: string, server: string, sess: string): string[] {
  return [`SSL_set_session(${client}, ${sess})`, `connect(${client}, ${server})`, `SSL_session_reused(${client})`, `SSL_session_reused(${server})`];
}

function main(): void {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, count: { type: 'string', default: '1500' }, seed: { type: 'string', default: '20261130' }, misuse: { type: 'boolean', default: false } },
  });
  if (!values.out) throw new Error('usage: matrix-probes.ts --out DIR [--count N] [--seed S] [--misuse]');
  const count = Number(values.count);
  const seed = Number(values.seed);
  mkdirSync(values.out, { recursive: true });
  const random = prng(seed);
  const misuses = Object.keys(MISUSES);
  // Misuses come from a generator of their own, so that a seed's scenarios are the same with and without them.
  const randomMisuse = prng(seed + 1);
  for (let i = 0; i < count; i++) {
    const combo = sample(random);
    const misuse = values.misuse ? misuses[Math.floor(randomMisuse() * misuses.length)]! : null;
    writeFileSync(join(values.out, `${misuse ? 'x' : 'm'}${String(i).padStart(4, '0')}.trace`), traceOf(combo, i, misuse));
  }
  console.log(`wrote ${count} traces to ${values.out} (seed ${seed}); compare with: node dist/src/cli/main.js conform-all ${values.out}`);
}

main();
