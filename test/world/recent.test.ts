/**
 * Recent (src/world/recent.ts) and the world's use of it through refOf/recall: remembering the latest
 * object again must not push out the other one, and an object handed back by `recall` is the one a
 * lookup by its id finds.
 */
import { describe, expect, it } from 'vitest';
import { Recent } from '../../src/world/recent.ts';
import { World } from '../../src/world/world.ts';
import { freshSessionFields } from '../../machines/ssl-session.ts';

describe('Recent', () => {
  it('keeps the last two objects remembered', () => {
    const recent = new Recent<string>();
    recent.remember('a', 'A');
    recent.remember('b', 'B');
    expect([recent.get('a'), recent.get('b')]).toEqual(['A', 'B']);
    recent.remember('c', 'C');
    expect([recent.get('a'), recent.get('b'), recent.get('c')]).toEqual([undefined, 'B', 'C']);
  });

  it('remembering the latest again keeps the other one', () => {
    const recent = new Recent<string>();
    recent.remember('a', 'A');
    recent.remember('b', 'B');
    recent.remember('b', 'B');
    expect(recent.get('a')).toBe('A');
  });
});

describe('World.refOf and recall', () => {
  it('a recalled object is the one its id names, in every kind', () => {
    const world = new World();
    const config = { method: 'TLS_method', cert: true, options: 0, maxEarlyData: 0, numTickets: 2, minProto: 0, maxProto: 0, quietShutdown: 0 };
    world.createCtx({ id: 'ctx', method: 'TLS_method', line: 1 });
    world.createSsl({ id: 'c1', ctx: 'ctx', sidCtx: '', config, line: 2 });
    world.createSsl({ id: 'c2', ctx: 'ctx', sidCtx: '', config, line: 3 });
    const s1 = world.createSession({ who: 'app', line: 4, fields: freshSessionFields(world.now) });
    const before = { c1: world.ssl('c1'), c2: world.ssl('c2'), ctx: world.ctx('ctx'), s1: world.session(s1) };
    const refs = { c1: world.refOf('ssl', 'c1'), c2: world.refOf('ssl', 'c2'), ctx: world.refOf('ctx', 'ctx'), s1: world.refOf('session', s1) };
    // Handed back in another order than made, then read by id: each id still finds its own object.
    world.recall('ssl', 'c2', refs.c2);
    world.recall('ssl', 'c1', refs.c1);
    world.recall('session', s1, refs.s1);
    world.recall('ctx', 'ctx', refs.ctx);
    expect(world.ssl('c1')).toBe(before.c1);
    expect(world.ssl('c2')).toBe(before.c2);
    expect(world.ctx('ctx')).toBe(before.ctx);
    expect(world.session(s1)).toBe(before.s1);
  });
});
