// Prints the harness's compact per-step output (ret, events, sessions of SSLs) for a trace.
import { readFileSync } from 'node:fs';
import { checkTrace } from '../../dist/src/trace/check.js';
import { parseTrace } from '../../dist/src/trace/parser.js';
import { compileTrace } from '../../dist/src/conform/compile.js';
import { execFileSync } from 'node:child_process';
const file = process.argv[2];
const c = compileTrace(checkTrace(parseTrace(readFileSync(file, 'utf8'), file)));
const out = execFileSync('conformance/build/harness', ['--timeout', '5'], { input: c.text }).toString();
for (const l of out.trim().split('\n')) {
  const j = JSON.parse(l);
  if (j.end) { console.log('end leaks', j.leaks); continue; }
  const st = j.state ?? {};
  const ssl = Object.entries(st.ssl ?? {}).filter(([, v]) => !v.freed).map(([k, v]) => `${k}→${v.session}`).join(' ');
  const sess = Object.entries(st.sessions ?? {}).filter(([, v]) => !v.freed).map(([k, v]) => `${k}:${v.refs}${v.resumable ? '' : '(nr)'}`).join(' ');
  const ctx = Object.entries(st.ctx ?? {}).filter(([, v]) => !v.freed).map(([k, v]) => `${k}[${v.cache}]`).join(' ');
  console.log(j.line, j.call, 'ret', JSON.stringify(j.ret), j.events?.length ? JSON.stringify(j.events) : '', j.fault ? JSON.stringify(j.fault) : '');
  console.log('    ', ssl, '|', sess, '|', ctx);
}
