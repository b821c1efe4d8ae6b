#!/usr/bin/env node
/**
 * sslsim: run traces of OpenSSL session calls through the model.
 *
 *   sslsim run FILE           steps, objects and diagnostics, in colour
 *   sslsim run --json FILE    JSON Lines, one object per step
 *   sslsim run-all DIR        every *.trace under DIR, one summary line each
 *   sslsim conform FILE       the trace on the model and on real libssl (the C harness), step by step
 *   sslsim conform-all DIR    every *.trace under DIR, one conform line each
 *   sslsim emit-c FILE        the trace as a C11 program against real libssl, on stdout
 *
 * Exit status: 0 clean, 1 diagnostics or a failed expect, 2 bad input.
 * conform: 0 agree, 1 differ, 2 bad input or a harness that could not run it.
 * emit-c: 0 the program was written, 2 bad input (nothing on stdout).
 * Bad input leaves no output: run checks the whole trace before it writes its first step.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { TraceError } from '../trace/errors.ts';
import { exitCodeOf } from '../run/load.ts';
import { Runner, type RunnerOptions, type RunResult, type StepRecord } from '../run/runner.ts';
import { type CheckedTrace, checkTrace } from '../trace/check.ts';
import { parseTrace } from '../trace/parser.ts';
import { jsonLine } from './format-json.ts';
import { StepFormatter, summary } from './format-text.ts';
import { Output, SIGPIPE_STATUS } from './output.ts';
import { conformText, type Timed } from '../conform/conform.ts';
import { formatReport, formatSummary } from '../conform/format.ts';
import { HarnessError } from '../conform/harness.ts';
import { type DiagnosticKind, KINDS } from '../world/diagnostics.ts';
import { emitC } from '../trace/emit-c.ts';
import { traceFiles } from './trace-files.ts';

const USAGE = `usage: sslsim run [--json] FILE
       sslsim run-all DIR
       sslsim conform FILE
       sslsim conform-all DIR
       sslsim emit-c FILE
exit status: 0 clean, 1 diagnostics or failed expect, 2 bad input
conform: 0 model and libssl agree, 1 they differ, 2 bad input or the harness failed
emit-c: writes the trace as one C11 program against real libssl to stdout
  (gcc -std=c11 -g -fsanitize=address t.c -lssl -lcrypto); 0, or 2 for bad input`;

/** The commands, each with its one operand. */
const COMMANDS: Readonly<Record<string, (target: string, json: boolean) => number>> = {
  run: (file, json) => runOne(file, json),
  'run-all': (dir) => runAll(dir),
  conform: (file) => conformOne(file),
  'conform-all': (dir) => conformAll(dir),
  'emit-c': (file) => emitOne(file),
};

function main(argv: readonly string[]): number {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    // parseArgs throws on an option it does not know (`--verbose`): bad input, said in one line, not a stack trace
    return usage(2, (e as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, target, ...extra] = positionals;
  if (values.help) return usage(0);
  if (!command) return usage(2);
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run) return usage(2, `unknown command ${command}`);
  if (target === undefined) return usage(2, `${command} needs a ${command.endsWith('-all') ? 'directory' : 'file'}`);
  if (extra.length > 0) return usage(2, `${command} takes one operand, got ${extra.length + 1}`);
  if (values.json && command !== 'run') return usage(2, `--json applies to run only`);
  return run(target, values.json === true);
}

/** Prints the usage (after `problem`, if any) to stdout for --help, else to stderr; returns `code`. */
function usage(code: number, problem?: string): number {
  const text = problem === undefined ? USAGE : `sslsim: ${problem}\n${USAGE}`;
  (code === 0 ? process.stdout : process.stderr).write(text + '\n');
  return code;
}

/**
 * `sslsim run`: the trace is run once as a checker (no state views, findings only) to find any bad input, so
 * that bad input prints nothing on stdout; then again, deterministically the same, writing each step as it is
 * made. Memory then grows with the trace's objects and steps, not with their product: every step's view lists
 * every object made so far, and keeping them all to print at the end took over 4 GB for 25,000 calls.
 */
function runOne(file: string, json: boolean): number {
  const checked = load(file, CHECKER);
  if (typeof checked === 'string') return problem(checked);
  const out = new Output();
  const steps = new StepFormatter();
  const onRecord = json ? (r: StepRecord) => out.write(jsonLine(r) + '\n') : (r: StepRecord) => out.write(steps.format(r));
  // The text shows the live objects only, so its records leave the freed ones out of their views.
  const result = new Runner(checked.trace, { snapshots: json ? true : 'live', onRecord }).run();
  if (!json) out.write('\n' + summary(result) + '\n');
  out.flush();
  return exitCodeOf(result);
}

function runAll(dir: string): number {
  const files = traceFilesOrProblem(dir);
  if (typeof files === 'string') return problem(files);
  let worst = 0;
  for (const file of files) {
    // The summary line needs no state views: the run keeps the records of findings and expects only.
    const outcome = load(file, CHECKER);
    const code = typeof outcome === 'string' ? 2 : exitCodeOf(outcome.result);
    worst = Math.max(worst, code);
    process.stdout.write(`${typeof outcome === 'string' ? outcome : summary(outcome.result)}\n`);
  }
  return worst;
}

function conformOne(file: string): number {
  const outcome = conformFile(file);
  if (typeof outcome === 'string') {
    process.stderr.write(outcome + '\n');
    return 2;
  }
  process.stdout.write(formatReport(outcome.report));
  return outcome.report.agree ? 0 : 1;
}

/** The C program on stdout; bad input is one line on stderr and nothing on stdout. */
function emitOne(file: string): number {
  const read = readTrace(file);
  if ('problem' in read) return problem(read.problem);
  let program: string;
  try {
    program = emitC(read.text, file);
  } catch (e) {
    if (e instanceof TraceError) return problem(e.toString());
    throw e;
  }
  process.stdout.write(program);
  return 0;
}

function conformAll(dir: string): number {
  const files = traceFilesOrProblem(dir);
  if (typeof files === 'string') return problem(files);
  let worst = 0;
  const byKind = new Map<DiagnosticKind, string[]>();
  for (const file of files) {
    const outcome = conformFile(file);
    const code = typeof outcome === 'string' ? 2 : outcome.report.agree ? 0 : 1;
    worst = Math.max(worst, code);
    process.stdout.write(`${typeof outcome === 'string' ? outcome : formatSummary(outcome.report, outcome.totalMs)}\n`);
    if (typeof outcome === 'string') continue;
    for (const c of outcome.report.confirmed ?? []) {
      const where = `${basename(file)}:${c.line} (${c.real === 'observed' ? c.evidence : c.real})`;
      const seen = byKind.get(c.kind) ?? [];
      if (!seen.some((w) => w.startsWith(`${basename(file)}:`))) byKind.set(c.kind, [...seen, where]);
    }
  }
  // Which misuse kinds libssl showed the predicted consequence of, and where (compare.ts Confirmation). On stderr:
  // stdout stays one line per trace.
  const kinds = Object.keys(KINDS) as DiagnosticKind[];
  const confirmed = kinds.filter((k) => byKind.has(k)).map((k) => `${k}: ${byKind.get(k)!.join(', ')}`);
  const missing = kinds.filter((k) => !byKind.has(k) && KINDS[k].confirmedElsewhere === undefined);
  const elsewhere = kinds.filter((k) => KINDS[k].confirmedElsewhere !== undefined).map((k) => `${k} is confirmed ${KINDS[k].confirmedElsewhere!}`);
  process.stderr.write(
    `confirmed consequences: ${confirmed.join('; ') || 'none'}${missing.length > 0 ? `; not confirmed: ${missing.join(', ')}` : ''}` +
      `${elsewhere.length > 0 ? `; the harness cannot see: ${elsewhere.join('; ')}` : ''}\n`,
  );
  return worst;
}

/** The conform result, or the one line saying why there is none (bad input, a harness that cannot run). */
function conformFile(file: string): Timed | string {
  const read = readTrace(file);
  if ('problem' in read) return read.problem;
  const text = read.text;
  try {
    return conformText(text, file);
  } catch (e) {
    if (e instanceof TraceError) return e.toString();
    if (e instanceof HarnessError) return `${file}: ${e.message}`;
    throw e;
  }
}

/** Bad input: one line on stderr, exit status 2. */
function problem(line: string): number {
  process.stderr.write(line + '\n');
  return 2;
}

/** The trace files under `dir`, or the line saying why there are none to read (no such directory, not a directory). */
function traceFilesOrProblem(dir: string): string[] | string {
  try {
    if (!statSync(dir).isDirectory()) return `${dir}: not a directory (run-all and conform-all take a directory; run and conform a file)`;
    return traceFiles(dir);
  } catch (e) {
    return `${dir}: cannot read: ${(e as Error).message}`;
  }
}

/**
 * A trace file checked and run (CHECKER: what a summary or a check of the input needs), or the one line saying
 * why it cannot be: unreadable, or bad input, some of which shows only when it runs (two SSLs that are one, an
 * integer out of range).
 */
function load(file: string, options: RunnerOptions): { readonly trace: CheckedTrace; readonly result: RunResult } | string {
  const read = readTrace(file);
  if ('problem' in read) return read.problem;
  try {
    const trace = checkTrace(parseTrace(read.text, file));
    return { trace, result: new Runner(trace, options).run() };
  } catch (e) {
    if (e instanceof TraceError) return e.toString();
    throw e;
  }
}

/** A trace file's text, or the one line saying why it cannot be read. */
function readTrace(file: string): { readonly text: string } | { readonly problem: string } {
  try {
    return { text: readFileSync(file, 'utf8') };
  } catch (e) {
    return { problem: `${file}: cannot read: ${(e as Error).message}` };
  }
}

/** What run-all and run's first pass need: diagnostics and expect results, no state views, no quiet steps. */
const CHECKER: RunnerOptions = { snapshots: false, records: 'findings' };

// A reader that stops early (`sslsim run-all DIR | head`) closes the pipe: that ends the output, without a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(SIGPIPE_STATUS);
});

process.exitCode = main(process.argv.slice(2));
