/**
 * From a trace file's text to a finished run: parse, check, run. Any problem
 * in the input is a TraceError (`file:line:col: message`).
 */
import { checkTrace } from '../trace/check.ts';
import { parseTrace } from '../trace/parser.ts';
import { type RunResult, Runner } from './runner.ts';

export function runText(text: string, file: string): RunResult {
  return new Runner(checkTrace(parseTrace(text, file))).run();
}

/** Exit status of a run: 0 clean, 1 an unexpected error diagnostic or a failed expect. */
export function exitCodeOf(result: RunResult): 0 | 1 {
  return result.unexpected.length > 0 || result.failedExpects.length > 0 ? 1 : 0;
}
