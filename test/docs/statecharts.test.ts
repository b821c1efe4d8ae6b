/**
 * The statechart diagrams are read off the machines: every state, event and
 * guard of each definition is drawn, every transition xstate parsed becomes a
 * label line, and Graphviz (WebAssembly) renders the same SVG bytes every time.
 */
import { describe, expect, it } from 'vitest';
import { definitionOf, labelOf, machineDot, MACHINES, renderSvg, statesOf, transitionsOf } from '../../scripts/docs/statecharts.ts';

/** Every event type and guard named in a definition's config. */
function namesIn(config: unknown): { events: Set<string>; guards: Set<string> } {
  const events = new Set<string>();
  const guards = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k === 'on' && v && typeof v === 'object') for (const e of Object.keys(v)) events.add(e);
        if (k === 'guard' && typeof v === 'string') guards.add(v);
        walk(v);
      }
    }
  };
  walk(config);
  return { events, guards };
}

/**
 * Every transition line of a diagram: the lines of the edge labels (`\\l`
 * ends a line) and the in-place transitions listed in the state boxes
 * (HTML labels, `<BR/>` between lines).
 */
function labelLines(dot: string): string[] {
  const edges = [...dot.matchAll(/label="([^"]*)"/g)].flatMap((x) => x[1]!.split('\\l'));
  const boxes = [...dot.matchAll(/<FONT POINT-SIZE="9">(.*?)<\/FONT>/g)].flatMap((x) => x[1]!.split('<BR/>'));
  return [...edges, ...boxes].filter((l) => l !== '').map((l) => l.replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&'));
}

describe('statechart diagrams', () => {
  for (const m of MACHINES) {
    const def = definitionOf(m.key);
    const dot = machineDot(def);

    it(`${m.file}.dot draws every state, event and guard of ${def.id}`, () => {
      for (const s of statesOf(def)) expect(dot).toContain(`"${s}"`);
      const { events, guards } = namesIn(def.config);
      const firstWords = new Set(labelLines(dot).map((l) => l.split(' ')[0]));
      for (const e of events) expect(firstWords.has(e), e).toBe(true);
      for (const g of guards) expect(dot).toContain(`[${g}]`);
    });

    it(`${m.file}.dot has one label line per transition`, () => {
      expect(labelLines(dot).sort()).toEqual(transitionsOf(def).map(labelOf).sort());
    });

    it(`${m.file}.svg renders byte-identically twice`, async () => {
      const a = await renderSvg(dot);
      const b = await renderSvg(dot);
      expect(a).toBe(b);
      expect(a).toContain('<svg');
      for (const s of statesOf(def)) expect(a).toContain(`>${s}</text>`);
    });
  }
});
