// Neo4j's own Cypher linter (the one in Neo4j's VS Code extension and query tools) over every
// statement gridchain sends, under Cypher 5 and Cypher 25. Reads on stdin what lint_input.py
// prints: {schema, statements: [{file, name, text}]}. Any error, warning or deprecation is a
// failure, printed with the statement's file and name; the exit status is 1 then, else 0.
//
//   .venv/bin/python .ci/cypher-lint/lint_input.py | node .ci/cypher-lint/lint.mjs

import { readFileSync } from 'node:fs';
import {
  allCypherVersions,
  isNotParamError,
  lintCypherQuery,
  testData,
} from '@neo4j-cypher/language-support';

// The functions and procedures a Neo4j server lists (SHOW FUNCTIONS, SHOW PROCEDURES), as the
// package ships them; gridchain asks for no plugin, so only Neo4j's own: a function Neo4j does
// not have (one only FalkorDB knows, say) is an error, a deprecated one a warning.
const PLUGINS = /^(apoc|gds)\./;

function ownRegistry(registry, isOwn) {
  return Object.fromEntries(
    Object.entries(registry).map(([version, entries]) => [
      version,
      Object.fromEntries(Object.entries(entries).filter(([, entry]) => isOwn(entry))),
    ]),
  );
}

const FUNCTIONS = ownRegistry(testData.mockSchema.functions, (fn) => fn.isBuiltIn);
const PROCEDURES = ownRegistry(testData.mockSchema.procedures, (proc) => !PLUGINS.test(proc.name));

// The package swallows any failure of its semantic analysis and then reports nothing: before a
// clean result counts, a statement with a known mistake must be caught under each version.
const CANARY = {
  text: 'MATCH (n:Unit) RETURN m',
  message: 'Variable `m` not defined',
};

function lint(text, schema, version) {
  const { diagnostics } = lintCypherQuery(text, {
    ...schema,
    functions: FUNCTIONS,
    procedures: PROCEDURES,
    defaultLanguage: version,
  });
  // Parameters are bound per call by the driver, never declared to the database: the package
  // says so with isNotParamError, its own filter for exactly this.
  return diagnostics.filter(isNotParamError);
}

function place(text, diagnostic) {
  const { line, character } = diagnostic.range.start;
  const source = text.split('\n')[line] ?? '';
  return `line ${line + 1}:${character + 1} of the statement: ${source.trim()}`;
}

function severity(diagnostic) {
  const deprecated = (diagnostic.tags ?? []).length > 0 || /deprecat/i.test(diagnostic.message);
  if (deprecated) return 'deprecation';
  return diagnostic.severity === 1 ? 'error' : 'warning';
}

const { schema, statements } = JSON.parse(readFileSync(0, 'utf-8'));
let problems = 0;
for (const version of allCypherVersions) {
  const caught = lint(CANARY.text, schema, version).map((d) => d.message);
  if (!caught.includes(CANARY.message)) {
    console.error(`${version}: the linter did not catch "${CANARY.text}"; its analysis is not running`);
    process.exit(2);
  }
  for (const { file, name, text } of statements) {
    for (const diagnostic of lint(text, schema, version)) {
      problems += 1;
      console.log(`${file} :name ${name} (${version}) ${severity(diagnostic)}: ${diagnostic.message}`);
      console.log(`    ${place(text, diagnostic)}`);
    }
  }
}
const versions = allCypherVersions.join(' and ');
if (problems > 0) {
  console.log(`Neo4j's linter found ${problems} problem(s) in ${statements.length} statements`);
  process.exit(1);
}
console.log(`Neo4j's linter: ${statements.length} statements clean under ${versions}`);
