// Syntax gate for the PowerShell the reconciler sends to Windows hosts.
//
// Parses every file named on the command line with tree-sitter-powershell
// (its WebAssembly build, through web-tree-sitter: nothing is compiled)
// and fails on any ERROR or MISSING node, printing file:line:col. A line
// holding "-EncodedCommand <base64>" is decoded (UTF-16LE, as
// powershell.exe reads it) and checked as well.
//
// Usage: node check.mjs FILE...   (exit 0: all parse; 1: syntax errors; 2: usage)

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Parser, Language } from 'web-tree-sitter';

const require = createRequire(import.meta.url);

/** Loads the PowerShell grammar and returns a parser for it. */
export async function newParser() {
  await Parser.init();
  const grammar = require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm');
  const lang = await Language.load(grammar);
  const parser = new Parser();
  parser.setLanguage(lang);
  return parser;
}

/** Returns the ERROR and MISSING nodes of source as {line, col, what}. */
export function syntaxErrors(parser, source) {
  const tree = parser.parse(source);
  const out = [];
  const walk = (node) => {
    if (node.isMissing) {
      out.push({ line: node.startPosition.row + 1, col: node.startPosition.column + 1, what: `missing ${node.type}` });
      return;
    }
    if (node.isError || node.type === 'ERROR') {
      const text = source.slice(node.startIndex, Math.min(node.endIndex, node.startIndex + 40)).split('\n')[0];
      out.push({ line: node.startPosition.row + 1, col: node.startPosition.column + 1, what: `syntax error near ${JSON.stringify(text)}` });
    }
    if (!node.hasError && !node.isError) return;
    for (const child of node.children) walk(child);
  };
  walk(tree.rootNode);
  tree.delete();
  return out;
}

/** The scripts passed as -EncodedCommand in source, with their line. */
export function encodedCommands(source) {
  const out = [];
  source.split('\n').forEach((text, i) => {
    const m = /-EncodedCommand\s+([A-Za-z0-9+/=]+)/i.exec(text);
    if (m) out.push({ line: i + 1, script: Buffer.from(m[1], 'base64').toString('utf16le') });
  });
  return out;
}

/** Checks files; returns the problems as "file:line:col: what" lines. */
export async function check(parser, files) {
  const problems = [];
  for (const file of files) {
    const source = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
    for (const e of syntaxErrors(parser, source)) problems.push(`${file}:${e.line}:${e.col}: ${e.what}`);
    for (const enc of encodedCommands(source)) {
      for (const e of syntaxErrors(parser, enc.script)) {
        problems.push(`${file}:${enc.line}: -EncodedCommand script ${e.line}:${e.col}: ${e.what}`);
      }
    }
  }
  return problems;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: node check.mjs FILE...');
    process.exit(2);
  }
  const problems = await check(await newParser(), files);
  for (const p of problems) console.log(p);
  if (problems.length > 0) {
    console.error(`${problems.length} PowerShell syntax error(s)`);
    process.exit(1);
  }
  console.log(`${files.length} PowerShell file(s) parse without errors`);
}
