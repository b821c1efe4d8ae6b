/**
 * The world: every SSL_CTX, SSL and SSL_SESSION of a trace, each a statechart
 * snapshot, and the routing between them.
 *
 * The world holds no lifecycle logic of its own. To change an object it sends
 * the object's machine an event; the machine answers with signals, which are
 * either faults (turned into diagnostics here) or effects on other objects
 * (`releaseSession`, `clearBadSession`, `flushAll`, …) that the world routes
 * to the machines or cache procedures they name, in the order the machine
 * gave them. The cache procedures (`src/cache/`) and the handshake
 * (`src/handshake/`) are written the same way: they read snapshots and send
 * events.
 */
import type { Engine, Snapshot } from '../../machines/kit/compile.ts';
import type { MachineEvent, Signal } from '../../machines/kit/definition.ts';
import { type Engines, tableEngines } from '../../machines/index.ts';
import type { CtxContext, CtxEvent, CtxInput } from '../../machines/ssl-ctx.ts';
import type { SessionContext, SessionEvent, SessionInput } from '../../machines/ssl-session.ts';
import type { SslContext, SslEvent, SslInput } from '../../machines/ssl.ts';
import type { CallbackEvent } from './events.ts';
import { type Diagnostic, isUndefinedBehaviour, makeDiagnostic } from './diagnostics.ts';
import { isResumable } from '../../machines/ssl-session.ts';
import { diagnoseFault, type Via } from './faults.ts';
import { removeSession } from '../cache/remove-session.ts';
import { flushSessions } from '../cache/flush.ts';
import { Recent } from './recent.ts';
import { ChangedObjects } from './changes.ts';
import { hex32 } from './hex.ts';
import type { Counted, RefEvent } from '../../machines/refcount.ts';

export type ObjectKind = 'session' | 'ssl' | 'ctx';

declare const objectRef: unique symbol;

/**
 * An object of the world as the world hands it out to be handed back (World.refOf, World.recall): its
 * snapshot, which no one outside the world reads; only `refOf` makes one. An id names the same object for
 * the whole run.
 */
export type ObjectRef = { readonly [objectRef]: true };

/** What the world remembers about an object beyond its machine: where it came from and went. */
export interface ObjectInfo {
  readonly kind: ObjectKind;
  readonly createdLine: number;
  destroyedLine: number | null;
  /**
   * What released the last reference: a holder's name (`app`, `ssl:c1/ctx`) when `destroyedByHolder`, else a walk
   * in words (`the cache of sctx`). Kept as it comes and put in words only by a message that names it (faults.ts):
   * thousands of objects are destroyed in a long trace, and few are ever named.
   */
  destroyedBy: string | null;
  destroyedByHolder: boolean;
  /** The lines where the application took a reference (created it, SSL_get1_session, an up_ref, SSL_dup): which handles were owned. */
  readonly appLines: number[];
  /** The line of the application's latest release of a reference it held: the cause of a later bad-free through an owned handle. */
  appReleasedLine: number | null;
}

/** An entry of the application's external session store (filled by new_cb_store, spec §5). */
export interface StoreEntry {
  readonly sid: string;
  /** The store owns a reference (new_cb returned 1), or only keeps the pointer (misuse P4). */
  readonly owned: boolean;
  readonly line: number;
}

const ZEROS_48 = '0'.repeat(48);

/** The epoch of the simulated clock: time(NULL) at the first line of every trace. */
export const CLOCK_START = 1_800_000_000;

type Ev = MachineEvent;

/** The application's name in the ledgers (machines/holders.ts). */
const APP = 'app';

/** Whether an event sent is the application taking or releasing one of its own references (World.appUpRef, appFree). */
const enum AppRef {
  None,
  UpRef,
  Free,
}

export class World {
  readonly engines: Engines;
  now = CLOCK_START;
  readonly sessions = new Map<string, Snapshot<SessionContext>>();
  readonly ssls = new Map<string, Snapshot<SslContext>>();
  readonly ctxs = new Map<string, Snapshot<CtxContext>>();
  /** Per kind, keyed by id (objects of different kinds may share an id: session s1, SSL s1). */
  private readonly info: Readonly<Record<ObjectKind, Map<string, ObjectInfo>>> = { session: new Map(), ssl: new Map(), ctx: new Map() };
  private readonly recentSessions = new Recent<Snapshot<SessionContext>>();
  private readonly recentSsls = new Recent<Snapshot<SslContext>>();
  private readonly recentCtxs = new Recent<Snapshot<CtxContext>>();
  /** The application's external stores, one per ctx, keyed by session id (hex). */
  readonly stores = new Map<string, Map<string, StoreEntry>>();

  /** The trace line being executed. */
  line = 0;
  /** Callbacks fired during the current step. */
  events: CallbackEvent[] = [];
  /** Diagnostics of the current step. */
  diagnostics: Diagnostic[] = [];
  /** The first line with undefined behaviour: the model is not trusted after it. */
  undefinedSince: number | null = null;

  /** How to name an object in messages; the trace runner adds the variable names. */
  namer: (id: string, kind: ObjectKind) => string = (id) => id;

  private nextSession = 1;
  private nextGenerated = 1;
  private clientRandoms = 0;
  private via: Via | null = null;

  constructor(engines: Engines = tableEngines()) {
    this.engines = engines;
  }

  private touched: ChangedObjects | null = null;

  /** The objects steps touched, once `trackChanges` is called (null before: a run that lists every object pays nothing). */
  get changes(): ChangedObjects | null {
    return this.touched;
  }

  /** Notes from now on which objects each step touches (World.changes); call before the first object is made. */
  trackChanges(): void {
    // An object made before would have no place in the creation order the changes are listed in.
    if (this.touched === null && this.sessions.size + this.ssls.size + this.ctxs.size > 0) throw new Error('trackChanges after objects were made');
    this.touched ??= new ChangedObjects();
  }

  // ---- reading -------------------------------------------------------------

  session(id: string): SessionContext {
    return this.snapshotOf(this.sessions, this.recentSessions, id).context;
  }
  ssl(id: string): SslContext {
    return this.snapshotOf(this.ssls, this.recentSsls, id).context;
  }
  ctx(id: string): CtxContext {
    return this.snapshotOf(this.ctxs, this.recentCtxs, id).context;
  }
  /** The statechart state an object is in (`live`, `connected`, `freed`, …). */
  stateOf(kind: ObjectKind, id: string): string {
    if (kind === 'session') return this.snapshotOf(this.sessions, this.recentSessions, id).value;
    if (kind === 'ssl') return this.snapshotOf(this.ssls, this.recentSsls, id).value;
    return this.snapshotOf(this.ctxs, this.recentCtxs, id).value;
  }
  isFreed(kind: ObjectKind, id: string): boolean {
    return this.stateOf(kind, id) === 'freed';
  }
  /** An object's name for messages: `s3 (sess)`; `kind` tells an SSL from a session of the same id (SSL s1, session s1). */
  describe(id: string, kind: ObjectKind = 'session'): string {
    return this.namer(id, kind);
  }
  /** Where an object came from and went (objects of different kinds may share a name: session s1, SSL s1). */
  infoOf(kind: ObjectKind, id: string): ObjectInfo | undefined {
    return this.info[kind].get(id);
  }

  /** The object `id` of `kind`, for a later `recall` (the runner keeps one per variable). */
  refOf(kind: ObjectKind, id: string): ObjectRef {
    if (kind === 'session') return this.snapshotOf(this.sessions, this.recentSessions, id) as unknown as ObjectRef;
    if (kind === 'ssl') return this.snapshotOf(this.ssls, this.recentSsls, id) as unknown as ObjectRef;
    return this.snapshotOf(this.ctxs, this.recentCtxs, id) as unknown as ObjectRef;
  }

  /**
   * The object `ref` (from `refOf(kind, id)`) is about to be worked on: the next lookups of `id` find it
   * without searching the tables. A call's first touch of each of its arguments was most of a run's
   * searches (21,000 of 38,000 in the bench's long trace, bench/HISTORY.md session 15).
   */
  recall(kind: ObjectKind, id: string, ref: ObjectRef): void {
    if (kind === 'session') this.recentSessions.remember(id, ref as unknown as Snapshot<SessionContext>);
    else if (kind === 'ssl') this.recentSsls.remember(id, ref as unknown as Snapshot<SslContext>);
    else this.recentCtxs.remember(id, ref as unknown as Snapshot<CtxContext>);
  }

  // ---- creating ------------------------------------------------------------

  /** A new SSL_SESSION, with the next id in creation order (`s1`, `s2`, …). */
  createSession(input: Omit<SessionInput, 'id'>): string {
    const id = `s${this.nextSession++}`;
    const { who, line, fields, notResumable, peerChain } = input;
    this.sessions.set(id, this.engines.session.initial({ id, who, line, fields, notResumable, peerChain }));
    this.touched?.created('session', id);
    this.info.session.set(id, { kind: 'session', createdLine: this.line, destroyedLine: null, destroyedBy: null, destroyedByHolder: false, appLines: who === 'app' ? [line] : [], appReleasedLine: null });
    return id;
  }

  createSsl(input: SslInput): string {
    const snapshot = this.engines.ssl.initial(input);
    this.ssls.set(input.id, snapshot);
    // SSL_new goes on with the new SSL (its references on the ctx), and no other SSL: unlike a session made in a
    // handshake, it pushes out no object the call works on (bench/HISTORY.md session 14: remembering every new object).
    this.recentSsls.remember(input.id, snapshot);
    this.touched?.created('ssl', input.id);
    this.info.ssl.set(input.id, { kind: 'ssl', createdLine: this.line, destroyedLine: null, destroyedBy: null, destroyedByHolder: false, appLines: [input.line], appReleasedLine: null });
    return input.id;
  }

  createCtx(input: CtxInput): string {
    this.ctxs.set(input.id, this.engines.ctx.initial(input));
    this.touched?.created('ctx', input.id);
    this.info.ctx.set(input.id, { kind: 'ctx', createdLine: this.line, destroyedLine: null, destroyedBy: null, destroyedByHolder: false, appLines: [input.line], appReleasedLine: null });
    this.stores.set(input.id, new Map());
    return input.id;
  }

  /**
   * The id of a new SSL or SSL_CTX: the variable it is assigned to, `NAME#2`,
   * `NAME#3` once that name is taken by an SSL or a ctx, and `_L<line>` for an
   * object no variable receives. This is how the C harness names them
   * (conformance/PROTOCOL.md, "Ids of SSL and SSL_CTX objects"), so records
   * of the model and of real libssl use the same ids.
   */
  freshHandleId(target: string | null): string {
    const base = target ?? `_L${this.line}`;
    // Ids are never given back and only `base` makes `base#n`, so the search resumes where it stopped last time:
    // a trace that reuses one variable for thousands of SSLs pays for each once, not for all before it.
    let n = this.nextSuffix.get(base) ?? 1;
    let id = n === 1 ? base : `${base}#${n}`;
    while (this.ssls.has(id) || this.ctxs.has(id)) id = `${base}#${++n}`;
    // Only a taken base is noted: most SSLs of a long trace have a variable of their own, and a table of
    // every name would grow (and rehash) with each of them.
    if (n > 1) this.nextSuffix.set(base, n);
    return id;
  }
  /** Per base name whose bare name is taken, the suffix freshHandleId tries first (absent: 1, the bare name). */
  private readonly nextSuffix = new Map<string, number>();

  /**
   * A fresh 32-byte session id, as ssl_generate_session_id makes (spec §6.5),
   * deterministic here and unique in the run. Its first four bytes, all the cache's hash
   * reads (FINDINGS F50), are mixed from the counter as random bytes would be,
   * so an id the application writes does not share them by accident.
   */
  generateSessionId(): string {
    const n = this.nextGenerated++;
    const mixed = (Math.imul(n, 0x9e3779b1) | 0x80000000) >>> 0;
    // The counter as 56 zero-padded hex digits: 48 zeros and its 8 while it fits in 32 bits (always, in practice).
    const counter = n <= 0xffffffff ? ZEROS_48 + hex32(n) : n.toString(16).padStart(56, '0');
    return hex32(mixed) + counter;
  }

  /** A fresh client_random for a ClientHello (1, 2, …: only equality matters, FINDINGS F73). */
  nextClientRandom(): number {
    return ++this.clientRandoms;
  }

  // ---- sending -------------------------------------------------------------

  sendSession(id: string, event: SessionEvent): void {
    this.send('session', this.snapshotOf(this.sessions, this.recentSessions, id), this.engines.session, id, event, AppRef.None);
  }
  sendSsl(id: string, event: SslEvent): void {
    this.send('ssl', this.snapshotOf(this.ssls, this.recentSsls, id), this.engines.ssl, id, event, AppRef.None);
  }
  sendCtx(id: string, event: CtxEvent): void {
    this.send('ctx', this.snapshotOf(this.ctxs, this.recentCtxs, id), this.engines.ctx, id, event, AppRef.None);
  }

  /**
   * The application takes a reference at `line` (an up_ref call, SSL_get1_session, SSL_dup): UP_REF by `app`,
   * noted for the cause of a later bad-free. The API handlers say so by calling this rather than sendX, so that
   * the world need not look into every event it sends for the application's (a read of `type` on events of
   * twenty shapes is V8's slow path, and a run sends a hundred thousand).
   */
  appUpRef(kind: ObjectKind, id: string, line: number): void {
    this.sendAs(kind, id, { type: 'UP_REF', who: APP, line }, AppRef.UpRef);
  }

  /** The application releases a reference (SSL_free, SSL_SESSION_free, SSL_CTX_free) acquired at `line`, if it knows it. */
  appFree(kind: ObjectKind, id: string, line: number): void {
    this.sendAs(kind, id, { type: 'FREE', who: APP, line }, AppRef.Free);
  }

  private sendAs(kind: ObjectKind, id: string, event: RefEvent, app: AppRef): void {
    if (kind === 'session') this.send(kind, this.snapshotOf(this.sessions, this.recentSessions, id), this.engines.session, id, event, app);
    else if (kind === 'ssl') this.send(kind, this.snapshotOf(this.ssls, this.recentSsls, id), this.engines.ssl, id, event, app);
    else this.send(kind, this.snapshotOf(this.ctxs, this.recentCtxs, id), this.engines.ctx, id, event, app);
  }

  /** Runs `body` with every fault attributed to `via` (a cache walk, a callback). */
  within<T>(via: Via, body: () => T): T {
    const outer = this.via;
    this.via = via;
    try {
      return body();
    } finally {
      this.via = outer;
    }
  }

  report(diagnostic: Diagnostic): void {
    // One walk over a freed entry touches it several times (compare, unlink, mark, free): say it once.
    const subject = diagnostic.subject;
    if (subject !== undefined && this.diagnostics.some((d) => d.kind === diagnostic.kind && d.subject === subject)) return;
    this.diagnostics.push(diagnostic);
    if (isUndefinedBehaviour(diagnostic) && this.undefinedSince === null) this.undefinedSince = diagnostic.line;
  }

  /** Steps the object's machine by `event`, notes its destruction, routes its signals (the sendX methods find the object). */
  private send<C, E extends SessionEvent | SslEvent | CtxEvent>(
    kind: ObjectKind,
    snapshot: Snapshot<C>,
    engine: Engine<C, E & Ev>,
    id: string,
    event: E,
    app: AppRef,
  ): void {
    const before = snapshot.value;
    // The application's own references, for the cause of a bad-free (faults.ts badFree): which lines took one, and
    // the latest release of one it held (the ledger forgets a dropped entry).
    const appRelease = app === AppRef.Free && (snapshot.context as Counted).holders.holds(APP);
    if (app === AppRef.UpRef) this.infoOf(kind, id)?.appLines.push((event as RefEvent).line);
    const signals = engine.step(snapshot, event as E & Ev);
    if (this.touched !== null) this.touched.touch(kind, id);
    if (appRelease) {
      const info = this.infoOf(kind, id);
      if (info) info.appReleasedLine = this.line;
    }
    const after = snapshot.value;
    if (after !== before && ((after === 'destroying' && before === 'live') || (after === 'freed' && before !== 'destroying'))) {
      this.noteDestroyed(kind, id, event);
    }
    for (let i = 0; i < signals.length; i++) this.route(kind, id, event, signals[i]!);
  }

  private noteDestroyed(kind: ObjectKind, id: string, event: SessionEvent | SslEvent | CtxEvent): void {
    const info = this.infoOf(kind, id);
    if (!info) return;
    info.destroyedLine = this.line;
    const who = 'who' in event ? String(event.who) : null;
    info.destroyedByHolder = who !== null;
    info.destroyedBy = who ?? this.via?.describe ?? null;
  }

  /** Routes one signal: a fault becomes a diagnostic; an effect goes to the object it names. */
  private route(kind: ObjectKind, id: string, event: SessionEvent | SslEvent | CtxEvent, signal: Signal): void {
    const p = signal.params as Record<string, unknown>;
    switch (signal.type) {
      case 'fault': {
        const diagnostic = diagnoseFault(this, { kind, id, event, params: p, via: this.via });
        if (diagnostic) this.report(diagnostic);
        return;
      }
      case 'acquireSession':
        if (p['session']) this.sendSession((p['session'] as string), { type: 'UP_REF', who: (p['who'] as string), line: this.line });
        return;
      case 'releaseSession':
        if (p['session']) this.sendSession((p['session'] as string), { type: 'FREE', who: (p['who'] as string), line: 0 });
        return;
      case 'acquireCtx':
        if (p['ctx']) this.sendCtx((p['ctx'] as string), { type: 'UP_REF', who: (p['who'] as string), line: this.line });
        return;
      case 'releaseCtx':
        if (p['ctx']) this.sendCtx((p['ctx'] as string), { type: 'FREE', who: (p['who'] as string), line: 0 });
        return;
      case 'clearBadSession':
        // spec §3 ssl_clear_bad_session: SSL_CTX_remove_session(s->session_ctx, s->session)
        if (p['session']) this.clearBadSession(id, (p['ctx'] as string), (p['session'] as string));
        return;
      case 'flushAll':
        // spec §4 SSL_CTX_free at 0: flush(ctx, 0), then the rest is freed
        flushSessions(this, id, 0);
        this.sendCtx(id, { type: 'DESTROY' });
        return;
      default:
        throw new Error(`unrouted signal ${signal.type} from ${id}`);
    }
  }

  /** The bad-session rule; warns when it spoils a session the application keeps (P12). */
  private clearBadSession(ssl: string, ctx: string, session: string): void {
    const before = this.sessions.get(session);
    const wasResumable = before !== undefined && before.value !== 'freed' && isResumable(before.context);
    removeSession(this, ctx, session);
    const after = this.session(session);
    if (wasResumable && !isResumable(after) && after.holders.holds('app')) {
      this.report(
        makeDiagnostic(
          'not-resumable',
          this.line,
          `${this.describe(session)}, which the application holds, is now not resumable: ${ssl} completed a handshake and never sent close_notify`,
          'A later SSL_set_session with it makes the client do a full handshake. Call SSL_shutdown before SSL_free, SSL_clear or SSL_set_session (OpenSSL #1550).',
          null,
        ),
      );
    }
  }

  /** The object `id` of a table, through its last two lookups. */
  private snapshotOf<C>(table: Map<string, Snapshot<C>>, recent: Recent<Snapshot<C>>, id: string): Snapshot<C> {
    let s = recent.get(id);
    if (s !== undefined) return s;
    s = table.get(id);
    if (!s) throw new Error(`no object ${id}`);
    recent.remember(id, s);
    return s;
  }
}
