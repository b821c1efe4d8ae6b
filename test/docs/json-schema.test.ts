/**
 * docs/json-schema.md against the real output of `sslsim run --json`.
 *
 * The schema below is written from the document, independently of the
 * runner's types: every record of every trace under examples/ and docs/ must
 * match it key for key (names, order, presence, types), and the references
 * between records and objects must hold (ids, freed objects, `undefined`).
 * The document must name every key of the schema, so adding a key to the
 * output without documenting it fails here.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatJson } from '../../src/cli/format-json.ts';
import { runText } from '../../src/run/load.ts';

// ---- a small schema language ---------------------------------------------------

type Schema =
  | { readonly t: 'int'; readonly min?: number; readonly values?: readonly number[] }
  | { readonly t: 'bool' }
  | { readonly t: 'string'; readonly values?: readonly string[]; readonly pattern?: RegExp }
  | { readonly t: 'null' }
  | { readonly t: 'any-of'; readonly of: readonly Schema[] }
  | { readonly t: 'array'; readonly items: Schema }
  /** Keys in this order; optional ones may be absent; no other key. */
  | { readonly t: 'object'; readonly keys: readonly (readonly [string, Schema, 'required' | 'optional'])[] }
  /** Any keys matching `key`, each value matching `value`. */
  | { readonly t: 'map'; readonly key: RegExp; readonly value: Schema }
  /** One of several object shapes, chosen by the value of `tag`. */
  | { readonly t: 'tagged'; readonly tag: string; readonly cases: Readonly<Record<string, Schema>> };

const int = (min?: number): Schema => (min === undefined ? { t: 'int' } : { t: 'int', min });
const bit: Schema = { t: 'int', values: [0, 1] };
const bool: Schema = { t: 'bool' };
const str: Schema = { t: 'string' };
const nul: Schema = { t: 'null' };
const or = (...of: Schema[]): Schema => ({ t: 'any-of', of });
const obj = (...keys: (readonly [string, Schema, 'required' | 'optional'])[]): Schema => ({ t: 'object', keys });
const req = (name: string, s: Schema) => [name, s, 'required'] as const;
const opt = (name: string, s: Schema) => [name, s, 'optional'] as const;

const SESSION_ID = /^s[1-9][0-9]*$/;
/** SSL and SSL_CTX ids: a variable name, or `_L<line>` for an unnamed object, with `#n` when taken. */
const NAMED_ID = /^[A-Za-z_][A-Za-z0-9_]*(#[2-9]|#[1-9][0-9]+)?$/;
const sessionId: Schema = { t: 'string', pattern: SESSION_ID };
const namedId: Schema = { t: 'string', pattern: NAMED_ID };

const ERRORS = ['use-after-free', 'bad-free', 'double-free', 'stale-borrow', 'dangling-cache-entry', 'cross-context', 'callback-contract', 'leak', 'null-dereference'];
const WARNINGS = ['not-resumable', 'early-session', 'capacity', 'libssl-leak'];

const value = or(int(), str, nul);

const EVENT: Schema = {
  t: 'tagged',
  tag: 'cb',
  cases: {
    new: obj(req('cb', str), req('ssl', namedId), req('sess', sessionId), req('refs', int(1)), req('ret', bit)),
    remove: obj(req('cb', str), req('ctx', namedId), req('sess', sessionId), req('refs', int(1))),
    get: obj(req('cb', str), req('ssl', namedId), req('ret', or(sessionId, nul)), req('copy', bit)),
  },
};

const DIAGNOSTIC: Schema = obj(
  req('kind', { t: 'string', values: [...ERRORS, ...WARNINGS] }),
  req('severity', { t: 'string', values: ['error', 'warning'] }),
  req('line', int(1)),
  req('message', str),
  req('cause', or(obj(req('line', int(1)), req('what', str)), nul)),
  req('explanation', str),
  req('consequence', str),
);

const STATE: Schema = obj(
  req('sessions', { t: 'map', key: SESSION_ID, value: obj(req('refs', int(0)), req('freed', bool), req('resumable', or(bit, nul)), req('owner', or(namedId, nul))) }),
  req('ssl', { t: 'map', key: NAMED_ID, value: obj(req('refs', int(0)), req('freed', bool), req('session', or(sessionId, nul))) }),
  req('ctx', { t: 'map', key: NAMED_ID, value: obj(req('refs', int(0)), req('freed', bool), req('cache', { t: 'array', items: sessionId }), req('sess_number', int(0))) }),
  req('handles', { t: 'map', key: /^[A-Za-z_][A-Za-z0-9_]*$/, value: or(sessionId, namedId, nul) }),
);

export const RECORD: Schema = obj(
  req('line', int(1)),
  req('call', str),
  req('ret', value),
  opt('reused', obj(req('client', bit), req('server', bit))),
  opt('expect', obj(req('ok', bool), req('left', value), req('right', value))),
  req('undefined', bool),
  req('events', { t: 'array', items: EVENT }),
  req('diagnostics', { t: 'array', items: DIAGNOSTIC }),
  req('state', STATE),
);

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** The places where `v` does not match `s`, as `path: problem`. */
function validate(s: Schema, v: unknown, path: string): string[] {
  switch (s.t) {
    case 'int':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) return [`${path}: expected an integer, got ${typeOf(v)}`];
      if (s.min !== undefined && v < s.min) return [`${path}: ${v} < ${s.min}`];
      if (s.values && !s.values.includes(v)) return [`${path}: ${v} not in ${s.values.join(', ')}`];
      return [];
    case 'bool':
      return typeof v === 'boolean' ? [] : [`${path}: expected a boolean, got ${typeOf(v)}`];
    case 'string':
      if (typeof v !== 'string') return [`${path}: expected a string, got ${typeOf(v)}`];
      if (s.values && !s.values.includes(v)) return [`${path}: "${v}" not in ${s.values.join(', ')}`];
      if (s.pattern && !s.pattern.test(v)) return [`${path}: "${v}" does not match ${String(s.pattern)}`];
      return [];
    case 'null':
      return v === null ? [] : [`${path}: expected null, got ${typeOf(v)}`];
    case 'any-of': {
      const all = s.of.map((alt) => validate(alt, v, path));
      return all.some((e) => e.length === 0) ? [] : [`${path}: matches no alternative (${all.map((e) => e[0]).join('; ')})`];
    }
    case 'array':
      return Array.isArray(v) ? v.flatMap((item, i) => validate(s.items, item, `${path}[${i}]`)) : [`${path}: expected an array, got ${typeOf(v)}`];
    case 'object': {
      if (typeOf(v) !== 'object') return [`${path}: expected an object, got ${typeOf(v)}`];
      const o = v as Record<string, unknown>;
      const allowed = s.keys.map(([k]) => k);
      const present = Object.keys(o);
      const errors = present.filter((k) => !allowed.includes(k)).map((k) => `${path}.${k}: not in the schema`);
      const order = allowed.filter((k) => k in o);
      if (present.join(',') !== order.join(',') && errors.length === 0) errors.push(`${path}: keys in order ${present.join(',')}, expected ${order.join(',')}`);
      for (const [k, sub, presence] of s.keys) {
        if (!(k in o)) {
          if (presence === 'required') errors.push(`${path}.${k}: missing`);
        } else errors.push(...validate(sub, o[k], `${path}.${k}`));
      }
      return errors;
    }
    case 'map': {
      if (typeOf(v) !== 'object') return [`${path}: expected an object, got ${typeOf(v)}`];
      return Object.entries(v as Record<string, unknown>).flatMap(([k, sub]) => [
        ...(s.key.test(k) ? [] : [`${path}: key "${k}" does not match ${String(s.key)}`]),
        ...validate(s.value, sub, `${path}.${k}`),
      ]);
    }
    case 'tagged': {
      const tag = typeOf(v) === 'object' ? (v as Record<string, unknown>)[s.tag] : undefined;
      const shape = typeof tag === 'string' ? s.cases[tag] : undefined;
      return shape ? validate(shape, v, `${path}<${String(tag)}>`) : [`${path}.${s.tag}: "${String(tag)}" not in ${Object.keys(s.cases).join(', ')}`];
    }
  }
}

// ---- the traces ------------------------------------------------------------------

function traces(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? traces(p) : n.endsWith('.trace') ? [p] : [];
    });
}

const FILES = [...traces('examples'), ...traces('docs')];

type Rec = Record<string, unknown> & {
  line: number;
  call: string;
  ret: unknown;
  expect?: { ok: boolean; left: unknown; right: unknown };
  undefined: boolean;
  events: Record<string, unknown>[];
  diagnostics: { kind: string; severity: string; line: number }[];
  state: {
    sessions: Record<string, { refs: number; freed: boolean; resumable: number | null; owner: string | null }>;
    ssl: Record<string, { refs: number; freed: boolean; session: string | null }>;
    ctx: Record<string, { refs: number; freed: boolean; cache: string[]; sess_number: number }>;
    handles: Record<string, string | null>;
  };
};

/** The rules of the document that span keys and records. */
function consistency(records: readonly Rec[], lineCount: number): string[] {
  const errors: string[] = [];
  const last = records.at(-1);
  if (last?.call !== '(end of trace)' || last.line !== lineCount) errors.push(`the last record is not (end of trace) at line ${lineCount}`);
  let undefinedSeen = false;
  let previous: Rec | undefined;
  records.forEach((r, i) => {
    const at = `record ${i} (line ${r.line}: ${r.call})`;
    const { sessions, ssl, ctx, handles } = r.state;
    if (r.line > lineCount) errors.push(`${at}: line beyond the file`);
    const isExpect = r.call.startsWith('expect ');
    if (isExpect !== ('expect' in r)) errors.push(`${at}: expect key present iff an expect step`);
    if (isExpect && r.ret !== null) errors.push(`${at}: an expect step has ret null`);
    // reused: exactly the steps that run a handshake, as a statement or as a side of an expect.
    if ('reused' in r !== /\b(connect|handshake)\(/.test(r.call)) errors.push(`${at}: reused present iff the step runs connect/handshake`);
    if (undefinedSeen && !r.undefined) errors.push(`${at}: undefined went back to false`);
    undefinedSeen ||= r.undefined;
    // Sessions are s1..sN in creation order, and no object ever leaves the state.
    const ids = Object.keys(sessions);
    if (ids.some((id, n) => id !== `s${n + 1}`)) errors.push(`${at}: session ids are not s1..s${ids.length} in order`);
    if (previous) {
      for (const table of ['sessions', 'ssl', 'ctx'] as const) {
        const before = Object.keys(previous.state[table]);
        if (Object.keys(r.state[table]).slice(0, before.length).join() !== before.join()) errors.push(`${at}: ${table} lost or reordered objects`);
        for (const [id, o] of Object.entries(previous.state[table])) if (o.freed && !r.state[table][id]?.freed) errors.push(`${at}: ${id} came back to life`);
      }
    }
    for (const [id, s] of Object.entries(sessions)) {
      if (s.freed && (s.refs !== 0 || s.resumable !== null || s.owner !== null)) errors.push(`${at}: freed session ${id} is not {0, null, null}`);
      if (!s.freed && (s.refs < 1 || s.resumable === null)) errors.push(`${at}: live session ${id} has refs ${s.refs}, resumable ${s.resumable}`);
      if (s.owner !== null && !(s.owner in ctx)) errors.push(`${at}: session ${id} owned by unknown ctx ${s.owner}`);
    }
    for (const [id, s] of Object.entries(ssl)) {
      if (s.freed && (s.refs !== 0 || s.session !== null)) errors.push(`${at}: freed SSL ${id} is not {0, null}`);
      if (s.session !== null && !(s.session in sessions)) errors.push(`${at}: SSL ${id} points at unknown session ${s.session}`);
    }
    for (const [id, c] of Object.entries(ctx)) {
      if (c.freed && (c.refs !== 0 || c.cache.length !== 0 || c.sess_number !== 0)) errors.push(`${at}: freed ctx ${id} is not {0, [], 0}`);
      for (const sid of c.cache) if (!(sid in sessions)) errors.push(`${at}: ctx ${id} caches unknown session ${sid}`);
    }
    for (const [name, id] of Object.entries(handles)) if (id !== null && !(id in sessions) && !(id in ssl) && !(id in ctx)) errors.push(`${at}: handle ${name} points at unknown ${id}`);
    for (const e of r.events) {
      if (typeof e['sess'] === 'string' && !(e['sess'] in sessions)) errors.push(`${at}: event names unknown session ${String(e['sess'])}`);
      if (typeof e['ssl'] === 'string' && !(e['ssl'] in ssl)) errors.push(`${at}: event names unknown SSL ${String(e['ssl'])}`);
      if (typeof e['ctx'] === 'string' && !(e['ctx'] in ctx)) errors.push(`${at}: event names unknown ctx ${String(e['ctx'])}`);
      if (e['cb'] === 'get' && typeof e['ret'] === 'string' && !(e['ret'] in sessions)) errors.push(`${at}: get_session_cb returned unknown ${String(e['ret'])}`);
    }
    for (const d of r.diagnostics) {
      const severity = ERRORS.includes(d.kind) ? 'error' : 'warning';
      if (d.severity !== severity) errors.push(`${at}: ${d.kind} has severity ${d.severity}`);
      if (d.line > lineCount) errors.push(`${at}: diagnostic line beyond the file`);
    }
    previous = r;
  });
  return errors;
}

function recordsOf(file: string): { records: Rec[]; output: string; lineCount: number } {
  const text = readFileSync(file, 'utf8');
  const output = formatJson(runText(text, file));
  const lines = output.split('\n');
  return { records: lines.slice(0, -1).map((l) => JSON.parse(l) as Rec), output, lineCount: text.replace(/\n$/, '').split('\n').length };
}

describe('sslsim run --json against docs/json-schema.md', () => {
  it('covers the traces of examples/ and docs/', () => {
    expect(FILES.filter((f) => f.startsWith('examples/')).length).toBeGreaterThan(20);
    expect(FILES.filter((f) => f.startsWith('docs/recipes/')).length).toBeGreaterThan(5);
    expect(FILES.filter((f) => f.startsWith('docs/anti-patterns/')).length).toBeGreaterThan(5);
  });

  for (const file of FILES) {
    it(file, () => {
      const { records, output, lineCount } = recordsOf(file);
      expect(output.endsWith('\n') && !output.includes('\n\n')).toBe(true); // JSON Lines: one object per line
      expect(records.flatMap((r, i) => validate(RECORD, r, `record ${i}`))).toEqual([]);
      expect(consistency(records, lineCount)).toEqual([]);
    });
  }

  it('is what the CLI prints', () => {
    const file = 'docs/recipes/03-server-external-cache.trace';
    const cli = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'run', '--json', file], { encoding: 'utf8' });
    expect(cli).toBe(recordsOf(file).output);
  });

  it('exercises every optional key and every event kind', () => {
    const all = FILES.flatMap((f) => recordsOf(f).records);
    expect(all.some((r) => 'reused' in r)).toBe(true);
    expect(all.some((r) => 'expect' in r)).toBe(true);
    expect(new Set(all.flatMap((r) => r.events.map((e) => e['cb'])))).toEqual(new Set(['new', 'remove', 'get']));
    expect(all.some((r) => r.diagnostics.some((d) => d.severity === 'warning'))).toBe(true);
    expect(all.some((r) => r.undefined)).toBe(true);
  });
});

describe('docs/json-schema.md', () => {
  const doc = readFileSync('docs/json-schema.md', 'utf8');

  function keysOf(s: Schema): string[] {
    if (s.t === 'object') return s.keys.flatMap(([k, sub]) => [k, ...keysOf(sub)]);
    if (s.t === 'array') return keysOf(s.items);
    if (s.t === 'map') return keysOf(s.value);
    if (s.t === 'any-of') return s.of.flatMap(keysOf);
    if (s.t === 'tagged') return Object.values(s.cases).flatMap(keysOf);
    return [];
  }

  it('names every key of the schema in its hand-written part', () => {
    // The generated examples are real output: a key must be documented in the prose and tables, not only appear there.
    const prose = doc.replace(/<!-- generated:([a-z-]+) -->[\s\S]*?<!-- \/generated:\1 -->/g, '');
    const keys = [...new Set(keysOf(RECORD))];
    expect(keys.filter((k) => !prose.includes(`\`${k}\``) && !prose.includes(`"${k}":`))).toEqual([]);
  });

  it('names every diagnostic kind and event kind', () => {
    expect([...ERRORS, ...WARNINGS, '"new"', '"remove"', '"get"'].filter((k) => !doc.includes(`\`${k}\``))).toEqual([]);
  });

  it('shows example records that match the schema', () => {
    const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as unknown);
    expect(blocks.length).toBe(2);
    for (const b of blocks) expect(validate(RECORD, b, 'example')).toEqual([]);
  });
});
