import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import * as FACTS from '../lib/config/spire-facts';
import { sourceFiles } from './helpers/import-graph';

const ROOT = join(__dirname, '..');
const HOME = 'lib/config/spire-facts.ts';

interface Fact {
  readonly name: string;
  readonly value: string | number;
}

/** Every value of the facts module, named by its export and key path (`SPIRE_SERVER.ports.grpc`). */
function factsOf(value: unknown, name: string): Fact[] {
  if (typeof value === 'string' || typeof value === 'number') return [{ name, value }];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, inner]) => factsOf(inner, `${name}.${key}`));
  return [];
}

const ALL_FACTS = Object.entries(FACTS).flatMap(([name, value]) => factsOf(value, name));

/**
 * Which literal gives a fact away. A path is found alone or as the start of a longer path; a file or
 * variable name (one with a dot, or in capitals) only alone; a port as a number. Plain words such as
 * `spire-agent` (or `ALL`) name too many other things (containers, labels, capabilities) to be told apart, so they are not looked for.
 */
function matcher(fact: Fact): ((text: string) => boolean) | undefined {
  const { value } = fact;
  if (typeof value === 'number') return undefined;
  // The agent's default all-bundles SDS name is also the capability set every container drops.
  if (value === 'ALL') return undefined;
  if (value.startsWith('/')) return (text) => text === value || text.startsWith(`${value}/`) || text.includes(` ${value}`);
  if (/^[A-Z][A-Z_]+$/.test(value) || value.includes('.')) return (text) => text === value;
  return undefined;
}

export interface FactLiteral {
  readonly where: string;
  readonly literal: string;
  readonly fact: string;
}

/** Literals in `text` (the file `path`) that spell a fact instead of importing it. */
export function factLiterals(path: string, text: string, facts: readonly Fact[] = ALL_FACTS): FactLiteral[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.ES2020, true);
  const ports = new Map<number, string>(facts.filter((fact) => typeof fact.value === 'number').map((fact) => [fact.value as number, fact.name]));
  const strings = facts.flatMap((fact) => {
    const test = matcher(fact);
    return test ? [{ fact, test }] : [];
  });
  const found: FactLiteral[] = [];
  const where = (node: ts.Node) => `${path}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      const literal = node.text;
      // Import specifiers are module paths, not facts.
      if (!ts.isImportDeclaration(node.parent) && !ts.isExportDeclaration(node.parent)) {
        for (const { fact, test } of strings) {
          if (test(literal)) found.push({ where: where(node), literal, fact: fact.name });
        }
      }
    } else if (ts.isNumericLiteral(node) && ports.has(Number(node.text))) {
      found.push({ where: where(node), literal: node.text, fact: ports.get(Number(node.text))! });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('SPIRE facts', () => {
  test('are found where they are spelled: paths, ports, file and variable names', () => {
    // GIVEN a file that spells facts instead of importing them
    const text = [
      "const data = '/run/spire/data';",
      'const keys = `/run/spire/data/keys.json`;',
      "const env = { name: 'DBPW' };",
      'const port = 8081;',
      "const sock = 'spire-agent.sock';",
      "// a comment may name /run/spire/data and DBPW",
      "const unrelated = ['/run/spire-other', 'dbpw', 12345];",
    ].join('\n');
    // WHEN it is scanned, THEN each is named with its line and fact, comments and near misses left alone
    expect(factLiterals('lib/example.ts', text)).toStrictEqual([
      { where: 'lib/example.ts:1', literal: '/run/spire/data', fact: 'SPIRE_SERVER.dataDir' },
      { where: 'lib/example.ts:2', literal: '/run/spire/data/keys.json', fact: 'SPIRE_SERVER.dataDir' },
      { where: 'lib/example.ts:3', literal: 'DBPW', fact: 'SPIRE_SERVER.env.mysqlPassword' },
      { where: 'lib/example.ts:4', literal: '8081', fact: 'SPIRE_SERVER.ports.grpc' },
      { where: 'lib/example.ts:5', literal: 'spire-agent.sock', fact: 'SPIRE_AGENT.socketFile' },
    ]);
  });

  test('have their one home in lib/config/spire-facts.ts: no file of lib/ spells one', () => {
    const files = sourceFiles(ROOT, 'lib').filter((file) => file !== HOME);
    expect(files.length).toBeGreaterThan(50);
    const spelled = files.flatMap((file) => factLiterals(file, readFileSync(join(ROOT, file), 'utf8')))
      .map((found) => `${found.where}: ${JSON.stringify(found.literal)} is ${found.fact}; import it from ${HOME}`);
    expect(spelled).toEqual([]);
  });

  test('hold the facts the components share', () => {
    expect(ALL_FACTS.length).toBeGreaterThan(40);
    expect(FACTS.SPIRE_SERVER.dataDir).toBe('/run/spire/data');
    expect(FACTS.SPIRE_AGENT.socketHostDir).toBe('/run/spire/agent-sockets');
    expect(FACTS.SPIRE_SERVER.env.mysqlPassword).toBe('DBPW');
  });
});
