// Runs a trace N times in the bench's checker mode, for bench/instructions.sh: node bench/run-trace.mjs ROOT N TRACE
const [root, n, trace] = [process.argv[2], Number(process.argv[3]), process.argv[4]];
const { Runner } = await import(`${root}/dist/src/run/runner.js`);
const { checkTrace } = await import(`${root}/dist/src/trace/check.js`);
const { parseTrace } = await import(`${root}/dist/src/trace/parser.js`);
const { readFileSync } = await import('node:fs');
const checked = checkTrace(parseTrace(readFileSync(trace, 'utf8'), trace));
for (let i = 0; i < n; i++) new Runner(checked, { snapshots: false, records: 'findings' }).run();
