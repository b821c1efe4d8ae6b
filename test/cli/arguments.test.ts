/**
 * The CLI's own arguments are input too: a wrong option, command or operand
 * gets one line saying what is wrong, the usage, and exit status 2, never a
 * stack trace (src/cli/main.ts).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });

describe('sslsim arguments', () => {
  it.each([
    [['--verbose', 'run', 'examples/tls10-refused.trace'], "sslsim: Unknown option '--verbose'"],
    [['frob', 'x'], 'sslsim: unknown command frob'],
    [['run'], 'sslsim: run needs a file'],
    [['conform-all'], 'sslsim: conform-all needs a directory'],
    [['run', 'a.trace', 'b.trace'], 'sslsim: run takes one operand, got 2'],
    [['run-all', '--json', 'examples'], 'sslsim: --json applies to run only'],
    [['run-all', 'no-such-dir'], 'no-such-dir: cannot read: ENOENT'],
    [['conform-all', 'examples/tls10-refused.trace'], 'examples/tls10-refused.trace: not a directory'],
    [['run', 'no-such.trace'], 'no-such.trace: cannot read: ENOENT'],
  ])('sslsim %j: exit 2 with a one-line reason', (args, reason) => {
    const r = cli(...args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toContain(reason);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('prints the usage on stdout for --help, with exit 0', () => {
    const r = cli('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: sslsim run \[--json\] FILE/);
  });
});
