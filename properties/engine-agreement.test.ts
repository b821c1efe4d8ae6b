/**
 * Property: the derived table engine and xstate's own pure transition() agree.
 *
 * For each of the three statecharts, random event sequences (every event type
 * of the machine, with payloads drawn from small pools so guards go both
 * ways) are stepped through both engines from the same input; after every
 * event the state values, the contexts and the signals must be equal. This
 * is what lets the simulator run the fast engine while the xstate definitions
 * stay the single source of truth.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tableEngines, xstateEngines } from '../machines/index.ts';
import type { Engine } from '../machines/kit/compile.ts';
import type { MachineEvent } from '../machines/kit/definition.ts';
import { freshSessionFields } from '../machines/ssl-session.ts';

const RUNS = 1000;
const who = fc.constantFrom('app', 'ssl:c1', 'cache:x', 'store:x', 'new_cb', 'lookup', 'remove_cb');
const line = fc.integer({ min: 0, max: 5 });
const ref = fc.record({ type: fc.constantFrom('UP_REF', 'FREE'), who, line });
const sid = fc.constantFrom('s1', 's2', 's3');

const sessionEvent = fc.oneof(
  ref,
  ref,
  fc.constant({ type: 'ACCESS' }),
  fc.record({ type: fc.constant('TRANSFER'), from: who, to: who, line }),
  fc.constantFrom({ type: 'MARK_NOT_RESUMABLE' }, { type: 'MARK_RESUMABLE' }, { type: 'UNLINK' }),
  fc.record({ type: fc.constant('LINK'), owner: fc.constantFrom('a', 'b') }),
  fc.record({ type: fc.constant('SET_TIME'), time: fc.integer({ min: 0, max: 100 }) }),
  fc.record({ type: fc.constant('SET_TIMEOUT'), timeout: fc.integer({ min: 0, max: 100 }) }),
  fc.record({ type: fc.constant('SET_ID'), sessionId: fc.constantFrom('', 'aa', 'bb') }),
  fc.record({ type: fc.constant('SET_SID_CTX'), sidCtx: fc.constantFrom('', 'cc') }),
  fc.record({ type: fc.constant('FILL'), fields: fc.record({ version: fc.constantFrom(0x303, 0x304), cipher: fc.boolean() }) }),
  fc.record({ type: fc.constant('PEER_CERTIFICATE'), line: fc.integer({ min: 1, max: 5 }) }),
);

const sslEvent = fc.oneof(
  ref,
  ref,
  fc.constantFrom({ type: 'ACCESS' }, { type: 'SHUTDOWN' }, { type: 'CLEAR' }),
  fc.record({ type: fc.constantFrom('HANDSHAKE_DONE', 'HANDSHAKE_WAIT'), fields: fc.record({ hit: fc.boolean(), version: fc.constantFrom(0x303, 0x304) }) }),
  fc.record({ type: fc.constant('SET_SHUTDOWN'), flags: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ type: fc.constant('SET_SESSION'), session: fc.option(sid, { nil: null }), line }),
  fc.record({ type: fc.constant('INSTALL_SESSION'), session: fc.option(sid, { nil: null }) }),
  fc.record({ type: fc.constant('SET_CTX'), ctx: fc.constantFrom('cctx', 'other'), line }),
  fc.record({ type: fc.constant('CONNECTION'), fields: fc.record({ role: fc.constantFrom('client', 'server') }) }),
);

const ctxEvent = fc.oneof(
  ref,
  ref,
  fc.constantFrom({ type: 'ACCESS' }, { type: 'DESTROY' }),
  fc.record({ type: fc.constant('CONFIGURE'), settings: fc.record({ mode: fc.integer({ min: 0, max: 0x7ff }), cacheSize: fc.nat(5) }) }),
  fc.record(
    { type: fc.constant('COUNT'), stat: fc.constantFrom('connect', 'accept', 'connect_renegotiate', 'accept_renegotiate', 'accept_good', 'connect_good', 'hits', 'misses', 'timeouts', 'cache_full', 'cb_hits'), by: fc.constant(-1) },
    { requiredKeys: ['type', 'stat'] },
  ),
  fc.record({ type: fc.constantFrom('LH_INSERT', 'LH_DELETE'), key: fc.constantFrom('k1', 'k2', '771:61626364', '771:69'), sid, flushing: fc.boolean() }),
  fc.record({ type: fc.constant('LH_REPLACE'), key: fc.constantFrom('k1', 'k2'), sid, by: sid }),
  fc.record({ type: fc.constant('LIST_ADD'), sid, expiry: fc.record({ calc: fc.integer({ min: 0, max: 10 }), ovf: fc.boolean() }) }),
  fc.record({ type: fc.constant('LIST_REMOVE'), sid }),
);

function agree(table: Engine<object, MachineEvent>, reference: Engine<object, MachineEvent>, input: unknown, events: readonly MachineEvent[]): void {
  const a = table.initial(input);
  const b = reference.initial(input);
  expect(a.value).toBe(b.value);
  expect(a.context).toEqual(b.context);
  for (const event of events) {
    const sa = table.step(a, event);
    const sb = reference.step(b, event);
    expect(a.value, `state after ${JSON.stringify(event)}`).toBe(b.value);
    expect(a.context, `context after ${JSON.stringify(event)}`).toEqual(b.context);
    expect(sa, `signals of ${JSON.stringify(event)}`).toEqual(sb);
  }
}

const fast = tableEngines();
const slow = xstateEngines();

describe('table engine agrees with xstate transition()', () => {
  it('SslSession', () => {
    const input = { id: 's1', who: 'app', line: 1, fields: freshSessionFields(0) };
    fc.assert(
      fc.property(fc.array(sessionEvent, { maxLength: 30 }), (events) => agree(fast.session as never, slow.session as never, input, events as MachineEvent[])),
      { numRuns: RUNS },
    );
  });
  it('Ssl', () => {
    const input = { id: 'c1', ctx: 'cctx', sidCtx: '', line: 1, config: { options: 0, maxEarlyData: 0, numTickets: 2, minProto: 0, maxProto: 0 } };
    fc.assert(
      fc.property(fc.array(sslEvent, { maxLength: 30 }), (events) => agree(fast.ssl as never, slow.ssl as never, input, events as MachineEvent[])),
      { numRuns: RUNS },
    );
  });
  it('SslCtx', () => {
    const input = { id: 'cctx', method: 'TLS_method', line: 1 };
    fc.assert(
      fc.property(fc.array(ctxEvent, { maxLength: 30 }), (events) => agree(fast.ctx as never, slow.ctx as never, input, events as MachineEvent[])),
      { numRuns: RUNS },
    );
  });
});
