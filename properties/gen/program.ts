/**
 * A trace under construction, and the model running it as it grows.
 *
 * Every call the generator emits is written as one trace line and, at the same
 * moment, executed on a shadow `World` through the very API handlers the
 * runner uses (src/api), with the arguments the runner would build for that
 * line. So before choosing its next call the generator can read what the
 * model did: a NULL from SSL_get1_session, a failed handshake, which SSLs are
 * fresh, what a cache holds. The shadow world sees exactly what
 * `sslsim run` will see when the text is replayed (the legal suite checks
 * this), except the runner's own application-side checks (stale borrows,
 * early sessions, leaks at the end), which change no state.
 */
import { API } from '../../src/api/index.ts';
import type { Arg, Ret } from '../../src/api/types.ts';
import type { CtxStats } from '../../machines/ssl-ctx.ts';
import type { Diagnostic } from '../../src/world/diagnostics.ts';
import { World } from '../../src/world/world.ts';
import type { AppModel } from './app-model.ts';
import { emptyAppModel } from './app-model.ts';

/** One argument: its text in the trace and the value the runner would pass for it. */
export interface GenArg {
  readonly text: string;
  readonly arg: Arg;
}

/** What a step hook sees right after a call ran on the shadow world. */
export interface StepView {
  readonly line: number;
  readonly text: string;
  readonly world: World;
  /** The world's diagnostics of this step (not the runner's stale-borrow / early-session / leak checks). */
  readonly diagnostics: readonly Diagnostic[];
}

export type StepHook = (step: StepView) => void;

/** A variable of the generated program, as the runner will bind it. */
interface Binding {
  readonly id: string;
  readonly line: number;
}

/** Thrown by `Program.call` when the call budget is spent; the op being run stops there. */
export class OutOfBudget extends Error {
  override readonly name = 'OutOfBudget';
}

export class Program {
  readonly world = new World();
  readonly lines: string[] = [];
  /** Behaviours the model went through (resumed-tls1.3, handshake-failed, stat:timeout, …), for coverage. */
  readonly branches = new Set<string>();
  /** What the application owns and borrows (see app-model.ts). */
  readonly app: AppModel = emptyAppModel();
  /** Calls emitted so far. */
  calls = 0;
  /**
   * Most calls the program may hold, or null for no bound. A call past it
   * throws OutOfBudget before anything is emitted; every call already emitted
   * was legal on its own (the app model is updated call by call), so an op cut
   * short leaves a legal trace that the teardown completes.
   */
  limit: number | null = null;

  private readonly bindings = new Map<string, Binding>();
  private readonly counters = new Map<string, number>();

  constructor(private readonly hook: StepHook | null = null) {}

  /** The next unused variable name with this prefix: `cli1`, `cli2`, … Names are never reused, so a name means one thing. */
  fresh(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return `${prefix}${n}`;
  }

  /** The line the next emitted statement will have. */
  get nextLine(): number {
    return this.lines.length + 1;
  }

  /** The handle `name` as an argument (it must have been bound to an object). */
  handle(name: string): GenArg {
    const b = this.bindings.get(name);
    if (!b) throw new Error(`generator bug: ${name} is not bound`);
    return { text: name, arg: { kind: 'object', id: b.id, handle: name, line: b.line } };
  }

  /** The line that bound `name`. */
  lineOf(name: string): number {
    return this.bindings.get(name)?.line ?? 0;
  }

  /**
   * Emits `assign = fn(args…)` and runs it. Returns the handler's result; an
   * object result is bound to `assign` as the runner binds it (NULL binds nothing usable).
   */
  call(fn: string, args: readonly GenArg[], assign: string | null = null): Ret {
    const handler = API.get(fn);
    if (!handler) throw new Error(`generator bug: no handler for ${fn}`);
    if (this.limit !== null && this.calls >= this.limit) throw new OutOfBudget();
    const line = this.nextLine;
    const text = `${assign === null ? '' : `${assign} = `}${fn}(${args.map((a) => a.text).join(', ')})`;
    this.lines.push(text);
    this.calls++;
    const world = this.world;
    world.line = line;
    world.events = [];
    world.diagnostics = [];
    const statsBefore = this.stats();
    const ret = handler({ world, args: args.map((a) => a.arg), target: assign });
    if (assign !== null && ret.kind === 'object' && ret.id !== null) this.bindings.set(assign, { id: ret.id, line });
    this.noteBranches(statsBefore);
    this.hook?.({ line, text, world, diagnostics: world.diagnostics });
    return ret;
  }

  /** Emits a comment line (it takes a line number, like any line). */
  comment(text: string): void {
    this.lines.push(`# ${text}`);
  }

  text(): string {
    return this.lines.join('\n') + '\n';
  }

  private stats(): Map<string, CtxStats> {
    const out = new Map<string, CtxStats>();
    for (const [id, snap] of this.world.ctxs) if (snap.value !== 'freed') out.set(id, snap.context.stats);
    return out;
  }

  /** Callbacks fired and cache counters moved by this step: the branches of §4-§7 the trace reached. */
  private noteBranches(before: ReadonlyMap<string, CtxStats>): void {
    for (const e of this.world.events) this.branches.add(`callback:${e.cb}${e.cb === 'get' ? (e.ret === null ? ':miss' : `:copy${e.copy}`) : ''}`);
    for (const [id, after] of this.stats()) {
      const was = before.get(id);
      if (!was) continue;
      for (const key of Object.keys(after) as (keyof CtxStats)[]) if (after[key] > was[key]) this.branches.add(`stat:${key}`);
    }
  }
}
