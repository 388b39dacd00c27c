// Self-test of the syntax gate: every file under testdata/broken must fail
// at the place written here, and testdata/good must pass. Run by .ci/run
// before the gate itself, so that a gate that accepts everything fails CI.

import { readdir } from 'node:fs/promises';
import { check, newParser } from './check.mjs';

// file -> the first problem's "line:col" (or "line: -EncodedCommand" for a
// bootstrap line whose decoded script is broken).
const expected = {
  'unclosed-brace.ps1': '4:6: missing }',
  'unclosed-paren.ps1': '1:1: syntax error',
  'unterminated-string.ps1': '2:5: syntax error',
  'unterminated-here-string.ps1': '1:1: syntax error',
  'unclosed-hashtable.ps1': '1:1: syntax error',
  'encoded-command.golden': '2: -EncodedCommand script 1:13: missing }',
};

const dir = new URL('./testdata/', import.meta.url).pathname;
const parser = await newParser();
let failed = 0;
const fail = (msg) => { console.error(`FAIL ${msg}`); failed++; };

const broken = (await readdir(dir + 'broken')).sort();
for (const name of broken) {
  const want = expected[name];
  if (!want) { fail(`testdata/broken/${name}: no expectation in selftest.mjs`); continue; }
  const problems = await check(parser, [dir + 'broken/' + name]);
  const first = problems[0]?.slice((dir + 'broken/' + name).length + 1);
  if (!first || !first.startsWith(want)) fail(`testdata/broken/${name}: first problem ${JSON.stringify(first)}, want ${JSON.stringify(want)}`);
}
for (const name of Object.keys(expected)) {
  if (!broken.includes(name)) fail(`testdata/broken/${name} is missing`);
}
for (const name of await readdir(dir + 'good')) {
  const problems = await check(parser, [dir + 'good/' + name]);
  if (problems.length > 0) fail(`testdata/good/${name}: ${problems.join('; ')}`);
}
if (failed > 0) process.exit(1);
console.log(`syntax gate self-test: ${broken.length} broken files refused where expected, good files accepted`);
