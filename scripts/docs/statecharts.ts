/**
 * The statechart diagrams: Graphviz DOT read off the xstate machines built
 * from the three definitions (machines/index.ts), rendered to SVG with
 * @viz-js/viz (Graphviz compiled to WebAssembly: offline, and the same bytes
 * on every machine for the same DOT), and docs/statecharts.md embedding them.
 *
 * The DOT comes from the state nodes xstate parsed, the same ones the table
 * engine is compiled from (machines/kit/compile.ts), so a diagram shows
 * exactly the transitions the simulator runs.
 */
import { instance } from '@viz-js/viz';
import type { AnyStateMachine } from 'xstate';
import { definitions } from '../../machines/index.ts';
import { type MachineDefinition, type MachineEvent, toXStateMachine } from '../../machines/kit/definition.ts';
import { Ledger } from '../../machines/ledger.ts';
import { code, GENERATED_NOTE, table } from './common.ts';

export const DIAGRAMS_DIR = 'docs/diagrams';

/** The three machines, the file name of their diagram and the source file of their definition. */
export const MACHINES = [
  { key: 'session', file: 'ssl-session', source: 'machines/ssl-session.ts', object: 'SSL_SESSION' },
  { key: 'ssl', file: 'ssl', source: 'machines/ssl.ts', object: 'SSL' },
  { key: 'ctx', file: 'ssl-ctx', source: 'machines/ssl-ctx.ts', object: 'SSL_CTX' },
] as const;

type AnyDefinition = MachineDefinition<object, MachineEvent>;

export function definitionOf(key: (typeof MACHINES)[number]['key']): AnyDefinition {
  return definitions[key] as unknown as AnyDefinition;
}

/** One transition as xstate parsed it. */
export interface Transition {
  readonly source: string;
  readonly event: string;
  readonly guard: string | null;
  /** null: no target (the machine stays where it is). */
  readonly target: string | null;
  /** The signals the transition raises, in order (`fault(kind)` for a fault of a fixed kind). */
  readonly signals: readonly string[];
}

interface ParsedNode {
  readonly transitions: Map<string, readonly { guard?: unknown; target?: readonly { key: string }[]; actions: readonly unknown[] }[]>;
}

/** The transitions of a machine, state by state, in the order xstate tries them. */
export function transitionsOf(def: AnyDefinition): Transition[] {
  const machine: AnyStateMachine = toXStateMachine(def);
  const out: Transition[] = [];
  for (const [source, node] of Object.entries(machine.root.states) as [string, unknown][]) {
    for (const [event, list] of (node as ParsedNode).transitions) {
      for (const t of list) {
        const signals = t.actions.flatMap((a) => signalName(def, a));
        out.push({ source, event, guard: typeof t.guard === 'string' ? t.guard : null, target: t.target?.[0]?.key ?? null, signals });
      }
    }
  }
  return out;
}

function signalName(def: AnyDefinition, action: unknown): string[] {
  const name = typeof action === 'string' ? action : (action as { type?: unknown }).type;
  if (typeof name !== 'string' || !def.signals.includes(name)) return []; // a context update: not drawn
  const params = typeof action === 'string' ? undefined : (action as { params?: unknown }).params;
  const kind = faultKind(params);
  return [typeof kind === 'string' ? `${name}(${kind})` : name];
}

/**
 * The kind of a fault: fixed params, or params computed from the context. A
 * computed kind (`freed-while-held`, machines/refcount.ts orphanFault) does not
 * depend on the context's values, so it is read with an empty ledger.
 */
function faultKind(params: unknown): unknown {
  if (typeof params === 'function') {
    try {
      return (params as (args: unknown) => { kind?: unknown })({ context: { refs: 0, holders: Ledger.empty() }, event: { type: '' } }).kind;
    } catch {
      return undefined;
    }
  }
  return params && typeof params === 'object' ? (params as { kind?: unknown }).kind : undefined;
}

export function statesOf(def: AnyDefinition): string[] {
  return Object.keys((def.config as { states: Record<string, unknown> }).states);
}

const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** One label line: `EVENT [guard] / signal, signal`. */
export function labelOf(t: Transition): string {
  const guard = t.guard ? ` [${t.guard}]` : '';
  const signals = t.signals.length ? ` / ${t.signals.join(', ')}` : '';
  return `${t.event}${guard}${signals}`;
}

const html = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The DOT of a machine. A state is a box with its name and, below a rule, the
 * transitions it handles in place (no target, or itself), one per line; the
 * transitions between states are edges, those with the same source and target
 * sharing one edge whose label has one line per transition.
 */
export function machineDot(def: AnyDefinition): string {
  const initial = String((def.config as { initial: string }).initial);
  const transitions = transitionsOf(def);
  const inPlace = new Map<string, string[]>();
  const edges = new Map<string, string[]>();
  for (const t of transitions) {
    if (t.target === null || t.target === t.source) inPlace.set(t.source, [...(inPlace.get(t.source) ?? []), labelOf(t)]);
    else {
      const key = `${t.source}\u0000${t.target}`;
      edges.set(key, [...(edges.get(key) ?? []), labelOf(t)]);
    }
  }
  const finals = statesOf(def).filter((s) => transitions.every((t) => t.source !== s || t.target === null || t.target === s));
  const node = (s: string): string => {
    const lines = inPlace.get(s) ?? [];
    const body = lines.length
      ? `<HR/><TR><TD ALIGN="LEFT" BALIGN="LEFT"><FONT POINT-SIZE="9">${lines.map(html).join('<BR/>')}</FONT></TD></TR>`
      : '';
    const border = finals.includes(s) ? ' BORDER="3"' : ' BORDER="1"';
    return `  ${quote(s)} [label=<<TABLE${border} CELLBORDER="0" CELLSPACING="0" CELLPADDING="4" STYLE="ROUNDED"><TR><TD><B>${html(s)}</B></TD></TR>${body}</TABLE>>];`;
  };
  const lines = [
    `digraph ${quote(def.id)} {`,
    '  rankdir=LR;',
    '  node [shape=plain, fontname="Helvetica", fontsize=12];',
    '  edge [fontname="Helvetica", fontsize=9];',
    '  __initial [shape=point, label=""];',
    ...statesOf(def).map(node),
    `  __initial -> ${quote(initial)};`,
    ...[...edges].map(([key, labels]) => {
      const [from, to] = key.split('\u0000') as [string, string];
      // \l ends a left-justified label line in Graphviz.
      const label = labels.map((l) => l.replace(/\\/g, '\\\\').replace(/"/g, '\\"') + '\\l').join('');
      return `  ${quote(from)} -> ${quote(to)} [label="${label}"];`;
    }),
    '}',
  ];
  return lines.join('\n') + '\n';
}

/** Renders DOT to SVG with Graphviz (WebAssembly); no clock, no randomness, no fonts read from the system. */
export async function renderSvg(dot: string): Promise<string> {
  const viz = await instance();
  const svg = viz.renderString(dot, { format: 'svg', engine: 'dot' });
  return svg.endsWith('\n') ? svg : svg + '\n';
}

function machineSection(m: (typeof MACHINES)[number]): string {
  const def = definitionOf(m.key);
  const transitions = transitionsOf(def);
  const rows = statesOf(def).map((s) => {
    const here = transitions.filter((t) => t.source === s);
    const leaves = [...new Set(here.filter((t) => t.target !== null && t.target !== s).map((t) => `${t.event} → ${t.target}`))];
    return [code(s), String(new Set(here.map((t) => t.event)).size), leaves.map(code).join(', ')];
  });
  return [
    `## ${m.object}: \`${def.id}\``,
    '',
    `Defined in [\`${m.source}\`](../${m.source}); initial state \`${String((def.config as { initial: string }).initial)}\`. ` +
      `DOT: [\`diagrams/${m.file}.dot\`](diagrams/${m.file}.dot).`,
    '',
    `![${def.id} statechart](diagrams/${m.file}.svg)`,
    '',
    table(['State', 'Events handled', 'Leaves on'], rows),
    '',
    `Signals: ${def.signals.map((s) => `\`${s}\``).join(', ')}. Guards: ${Object.keys(def.guards).map((g) => `\`${g}\``).join(', ')}.`,
  ].join('\n');
}

export function renderStatechartsMd(): string {
  return (
    [
      '# Statecharts',
      '',
      GENERATED_NOTE('machines/ssl-session.ts, machines/ssl.ts and machines/ssl-ctx.ts'),
      '',
      'The three statecharts of the model, drawn from the xstate machines that `toXStateMachine` builds from the definitions in `machines/` ' +
        '(the same state nodes the simulator\'s table engine is compiled from). A state\'s box lists, below its name, the transitions it ' +
        'handles without leaving it; an edge lists the transitions from one state to another. Each line is one transition, in the order ' +
        'they are tried: `EVENT [guard] / signals`. A guard names a function of the definition; the signals are what the machine tells the ' +
        'world (a `fault` of the kind in brackets, or an effect on another object such as `releaseSession`), in order. Context updates ' +
        '(`addHolder`, `dropHolder`, …) are not drawn. `*` is any event the state has no row for. A state drawn with a thick border has ' +
        'no transition out. The architecture is described in the [README](../README.md#architecture).',
      '',
      ...MACHINES.flatMap((m) => [machineSection(m), '']),
    ]
      .join('\n')
      .trimEnd() + '\n'
  );
}
