/**
 * docs/ownership.md: who owns what every call returns, from the catalogue
 * (src/trace/catalogue.ts), and who owns the session each callback behaviour
 * is given or returns, observed by running each behaviour through the model.
 */
import { CALLBACKS, CATALOGUE, type CallSpec } from '../../src/trace/catalogue.ts';
import { Runner, type StepRecord } from '../../src/run/runner.ts';
import { checkTrace } from '../../src/trace/check.ts';
import { parseTrace } from '../../src/trace/parser.ts';
import type { CallbackEvent } from '../../src/world/events.ts';
import type { World } from '../../src/world/world.ts';
import { cell, code, GENERATED_NOTE, holderText, table } from './common.ts';

const FAMILIES: readonly { readonly family: CallSpec['family']; readonly title: string }[] = [
  { family: 'session', title: 'SSL_SESSION (spec §2)' },
  { family: 'ssl', title: 'SSL (spec §3)' },
  { family: 'ctx', title: 'SSL_CTX and its cache (spec §4, §5)' },
  { family: 'connection', title: 'Pseudo-calls: connections (spec §6)' },
  { family: 'time', title: 'Pseudo-calls: time' },
  { family: 'store', title: "Pseudo-calls: the application's external store (spec §5)" },
];

const POINTER: Readonly<Record<CallSpec['ownership'], string>> = {
  owned: '**owned**: one reference is the caller\'s to release',
  borrowed: 'borrowed: no reference; valid only while its owner keeps it',
  none: 'none: no pointer returned',
};

function callRows(family: CallSpec['family']): string[][] {
  return [...CATALOGUE.values()]
    .filter((c) => c.family === family)
    .map((c) => [code(`${c.name}(${c.args.join(', ')})`), code(c.returns), POINTER[c.ownership], cell(c.spec), cell(c.summary)]);
}

// ---- callbacks, observed -----------------------------------------------------

type Slot = keyof typeof CALLBACKS;

/**
 * What the library promises each slot (spec §5), the fixed half of the
 * contract; the behaviours' own half is observed below.
 */
const SLOT_CONTRACT: Readonly<Record<Slot, { readonly setter: string; readonly contract: string }>> = {
  'new-cb': {
    setter: 'SSL_CTX_sess_set_new_cb',
    contract:
      'The library up-refs the new session before the call, so the callback is given one reference. Returning 1 means the callback keeps it ' +
      '(the application must release it later); returning 0 means the library releases it at once. Returning 0 does not remove the session ' +
      'from the internal cache, whatever the 3.0 man page says (spec §5 new_session_cb, §11 item 2).',
  },
  'remove-cb': {
    setter: 'SSL_CTX_sess_set_remove_cb',
    contract:
      'The session is borrowed: no reference is handed over. On the flush and eviction paths the cache still holds its own reference during ' +
      'the call and drops it right after; `SSL_CTX_remove_session` calls it even when the session was not in the cache (spec §5 remove_session_cb).',
  },
  'get-cb': {
    setter: 'SSL_CTX_sess_set_get_cb',
    contract:
      'Called on a server when the internal lookup misses (TLS 1.2 session-id resumption, TLS 1.3 stateful tickets). `*copy` is preset to 1: ' +
      'left at 1, the library takes its own reference on the returned session; set to 0, the library takes over one reference the callback ' +
      'must already have taken for it (spec §5 get_session_cb, §7).',
  },
};

/**
 * One probe per slot: a small trace that makes the library call the
 * behaviour (`CB`), and the line whose step is observed. TLS 1.2 with
 * SSL_OP_NO_TICKET, so the server makes a session with an id and caches it
 * or consults its callbacks (spec §6.5, §7).
 */
const PROBES: Readonly<Record<Slot, { readonly trace: string; readonly observe: string }>> = {
  'new-cb': {
    trace: `cctx = SSL_CTX_new(TLS_client_method())
SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION)
sctx = SSL_CTX_new(TLS_server_method())
SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET)
SSL_CTX_sess_set_new_cb(sctx, CB)
cli = SSL_new(cctx)
srv = SSL_new(sctx)
connect(cli, srv)`,
    observe: 'connect(cli, srv)',
  },
  'remove-cb': {
    trace: `cctx = SSL_CTX_new(TLS_client_method())
SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION)
sctx = SSL_CTX_new(TLS_server_method())
SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET)
SSL_CTX_sess_set_new_cb(sctx, new_cb_store)
SSL_CTX_sess_set_remove_cb(sctx, CB)
cli = SSL_new(cctx)
srv = SSL_new(sctx)
connect(cli, srv)
SSL_shutdown(cli)
SSL_shutdown(srv)
SSL_free(cli)
SSL_free(srv)
SSL_CTX_flush_sessions(sctx, 0)`,
    observe: 'SSL_CTX_flush_sessions(sctx, 0)',
  },
  'get-cb': {
    trace: `cctx = SSL_CTX_new(TLS_client_method())
SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION)
sctx = SSL_CTX_new(TLS_server_method())
SSL_CTX_set_options(sctx, SSL_OP_NO_TICKET)
SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL)
SSL_CTX_sess_set_new_cb(sctx, new_cb_store)
SSL_CTX_sess_set_get_cb(sctx, CB)
cli = SSL_new(cctx)
srv = SSL_new(sctx)
connect(cli, srv)
sess = SSL_get1_session(cli)
SSL_shutdown(cli)
SSL_shutdown(srv)
SSL_free(cli)
SSL_free(srv)
cli2 = SSL_new(cctx)
srv2 = SSL_new(sctx)
SSL_set_session(cli2, sess)
connect(cli2, srv2)`,
    observe: 'connect(cli2, srv2)',
  },
};

export function probeTrace(slot: Slot, behaviour: string): string {
  return PROBES[slot].trace.replace('CB', behaviour) + '\n';
}

interface Observation {
  readonly event: CallbackEvent | undefined;
  /** The observed step's record (not the end-of-trace one: the probes leave their objects alive). */
  readonly record: StepRecord;
  readonly world: World;
}

function observe(slot: Slot, behaviour: string): Observation {
  const text = probeTrace(slot, behaviour);
  const runner = new Runner(checkTrace(parseTrace(text, `probe-${behaviour}.trace`)));
  const result = runner.run();
  const line = text.split('\n').indexOf(PROBES[slot].observe) + 1;
  const record = result.records.find((r) => r.line === line && r.call === PROBES[slot].observe);
  if (!record) throw new Error(`probe ${behaviour}: no step at line ${line}`);
  const cb = slot === 'new-cb' ? 'new' : slot === 'remove-cb' ? 'remove' : 'get';
  const event = record.events.find((e) => e.cb === cb);
  return { event, record, world: runner.world };
}

/** The session's references as the model's ledger lists them at the end of the probe. */
function heldBy(world: World, id: string | null): string {
  if (id === null) return '';
  const snap = world.sessions.get(id);
  if (!snap) return '';
  const pointing = [...world.stores].filter(([, store]) => [...store.values()].some((e) => e.sid === id)).map(([ctx]) => ctx);
  if (snap.value === 'freed') return 'destroyed' + pointing.map((ctx) => `; the store of ${ctx} still points at it`).join('');
  const holders = snap.context.holders.list().map((h) => holderText(h.who, h.line));
  const stolen = snap.context.refs !== holders.length ? ` (refcount ${snap.context.refs})` : '';
  const unowned = [...world.stores].filter(([, store]) => [...store.values()].some((e) => e.sid === id && !e.owned)).map(([ctx]) => ctx);
  const pointers = unowned.map((ctx) => `; the store of ${ctx} keeps the pointer without a reference`).join('');
  return (holders.join(', ') || 'nobody') + stolen + pointers;
}

function diagnosticsAt(o: Observation): string {
  const kinds = o.record.diagnostics.map((d) => `\`${d.kind}\``);
  return kinds.length ? [...new Set(kinds)].join(', ') : 'none';
}

function callbackRows(slot: Slot): string[][] {
  return Object.entries(CALLBACKS[slot]).map(([behaviour, what]) => {
    const o = observe(slot, behaviour);
    const e = o.event;
    let seen: string;
    let session: string | null = null;
    if (!e) seen = 'not called';
    else if (e.cb === 'new') {
      seen = `given a session with refcount ${e.refs}; returned ${e.ret}`;
      session = e.sess;
    } else if (e.cb === 'remove') {
      seen = `given a session with refcount ${e.refs}`;
      session = e.sess;
    } else {
      seen = e.ret === null ? 'returned NULL' : `returned a session, *copy = ${e.copy}`;
      session = e.ret;
    }
    return [code(behaviour), cell(what), cell(seen), cell(heldBy(o.world, session)), diagnosticsAt(o)];
  });
}

function callbacksSection(): string {
  const out: string[] = [];
  for (const slot of Object.keys(CALLBACKS) as Slot[]) {
    const { setter, contract } = SLOT_CONTRACT[slot];
    out.push(
      `### \`${slot}\` (installed with \`${setter}\`)`,
      '',
      contract,
      '',
      'Observed by running this probe with each behaviour in place of `CB` (the step observed is the last one):',
      '',
      '```trace',
      PROBES[slot].trace,
      '```',
      '',
      table(['Behaviour', 'What it does', 'Observed in the model', 'The session\'s references after the step', 'Diagnostics at the step'], callbackRows(slot)),
      '',
    );
  }
  return out.join('\n');
}

export function renderOwnership(): string {
  const out: string[] = [
    '# Ownership: what each call returns and who owns it',
    '',
    GENERATED_NOTE('src/trace/catalogue.ts and runs of the model'),
    '',
    'For every call a trace can make (the catalogue of `src/trace/catalogue.ts`): what it returns and whether a returned pointer carries a ' +
      'reference for the caller. **owned** means the caller received a reference and must release it exactly once (`SSL_SESSION_free`, ' +
      '`SSL_free`, `SSL_CTX_free`); **borrowed** means it did not, and must neither release it nor keep it beyond the life of its owner ' +
      '(misuse patterns P1 and P7, [anti-patterns.md](anti-patterns.md)); **none**: the call returns no pointer. Spec sections are those ' +
      'of `openssl-3.0-session-semantics.md`.',
    '',
  ];
  for (const { family, title } of FAMILIES) {
    out.push(`## ${title}`, '', table(['Call', 'Returns', 'Returned pointer', 'Spec', 'Model'], callRows(family)), '');
  }
  out.push(
    '## Callbacks: who owns the session passed or returned',
    '',
    'A trace installs one of the named behaviours below in each callback slot. The contract of each slot is the library\'s (spec §5); the ' +
      'columns "Observed", "references after" and "Diagnostics" are computed by running a probe trace through the model, so they show what ' +
      'the model does with each behaviour, broken ones included. In the references column, `app (line N)` is a reference the application ' +
      'acquired at line N, an SSL\'s name is that SSL\'s reference, `cache of X` the internal cache of X and `store of X` the application\'s ' +
      'external store for X; a refcount in brackets differs from the number of holders the ledger lists (a reference was released by ' +
      'someone who held none).',
    '',
    callbacksSection(),
  );
  return out.join('\n').trimEnd() + '\n';
}
