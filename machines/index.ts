/**
 * The three statecharts and the engines that run them.
 *
 * `engines` are the derived table engines the simulator uses; `xstateEngines`
 * step the same definitions with xstate's pure `transition()` and exist so the
 * agreement suite can hold the two to the same results.
 */
import { compileMachine, type Engine } from './kit/compile.ts';
import { xstateEngine } from './kit/xstate-engine.ts';
import type { MachineEvent } from './kit/definition.ts';
import { type CtxContext, type CtxEvent, sslCtxMachine } from './ssl-ctx.ts';
import { type SessionContext, type SessionEvent, sslSessionMachine } from './ssl-session.ts';
import { type SslContext, type SslEvent, sslMachine } from './ssl.ts';

export interface Engines {
  readonly session: Engine<SessionContext, SessionEvent & MachineEvent>;
  readonly ssl: Engine<SslContext, SslEvent & MachineEvent>;
  readonly ctx: Engine<CtxContext, CtxEvent & MachineEvent>;
}

export const definitions = { session: sslSessionMachine, ssl: sslMachine, ctx: sslCtxMachine } as const;

let compiledTables: Engines | undefined;

/**
 * The derived table engines (fast; what the simulator runs). Compiled once per
 * process and shared by every world: an engine keeps no state of its own (a
 * world's objects are its snapshots), and compiling goes through xstate's
 * createMachine, which cost more than running a short trace.
 */
export function tableEngines(): Engines {
  return (compiledTables ??= { session: compileMachine(sslSessionMachine), ssl: compileMachine(sslMachine), ctx: compileMachine(sslCtxMachine) });
}

/** The same machines stepped by xstate's pure transition() (reference). */
export function xstateEngines(): Engines {
  return { session: xstateEngine(sslSessionMachine), ssl: xstateEngine(sslMachine), ctx: xstateEngine(sslCtxMachine) };
}
