/**
 * What the world notes for the `changes` state views (src/world/changes.ts): touched objects in creation
 * order, each once, forgotten once taken; and no tracking started after objects exist (they would have no
 * place in that order).
 */
import { describe, expect, it } from 'vitest';
import { ChangedObjects } from '../../src/world/changes.ts';
import { World } from '../../src/world/world.ts';

describe('ChangedObjects', () => {
  it('gives the objects touched since the last take, in creation order, each once', () => {
    const c = new ChangedObjects();
    for (const id of ['s1', 's2', 's3']) c.created('session', id);
    expect(c.take('session')).toEqual(['s1', 's2', 's3']);
    c.touch('session', 's3');
    c.touch('session', 's1');
    c.touch('session', 's3');
    expect(c.take('session')).toEqual(['s1', 's3']);
    expect(c.take('session')).toEqual([]);
    expect(c.take('ssl')).toEqual([]);
  });
});

describe('World.trackChanges', () => {
  it('notes a step of a machine as a touch of its object', () => {
    const world = new World();
    world.trackChanges();
    world.createCtx({ id: 'ctx', method: 'TLS_method', line: 1 });
    expect(world.changes?.take('ctx')).toEqual(['ctx']);
    world.appUpRef('ctx', 'ctx', 2);
    expect(world.changes?.take('ctx')).toEqual(['ctx']);
    expect(world.changes?.take('ctx')).toEqual([]);
  });

  it('refuses to start once objects exist', () => {
    const world = new World();
    world.createCtx({ id: 'ctx', method: 'TLS_method', line: 1 });
    expect(() => world.trackChanges()).toThrow(/after objects were made/);
  });
});
