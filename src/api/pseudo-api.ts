/**
 * The documented pseudo-calls: connections, the clock and the application's store.
 */
import { connect, handshake, readPending } from '../handshake/connect.ts';
import { type Handler, int, intArg, objectArg, VOID } from './types.ts';

export const pseudoApi: Readonly<Record<string, Handler>> = {
  connect: (call) => int(connect(call.world, objectArg(call, 0) ?? '', objectArg(call, 1) ?? '')),
  handshake: (call) => int(handshake(call.world, objectArg(call, 0) ?? '', objectArg(call, 1) ?? '')),
  read: (call) => int(readPending(call.world, objectArg(call, 0) ?? '')),
  advance_time: (call) => {
    call.world.now += Math.max(0, intArg(call, 0));
    return VOID;
  },
  time: (call) => int(call.world.now),
  store_free_all: (call) => {
    const ctx = objectArg(call, 0) ?? '';
    const store = call.world.stores.get(ctx);
    if (!store) return VOID;
    const entries = [...store.values()];
    store.clear();
    const who = call.world.ctx(ctx).holderNames.store;
    for (const e of entries) if (e.owned) call.world.sendSession(e.sid, { type: 'FREE', who, line: e.line });
    return VOID;
  },
};
