import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { CODEOWNERS_PATH, renderCodeowners } from '../lib/render/codeowners';
import { defaultEstate } from './helpers/estate';

/** The owners GitHub would require for a path: those of the last line whose pattern matches it. */
function ownersOf(codeowners: string, path: string): string[] {
  let owners: string[] = [];
  for (const line of codeowners.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const [pattern, ...rest] = line.split(/\s+/);
    const matches = pattern === '*' || (pattern.endsWith('/') ? `/${path}`.startsWith(pattern) : `/${path}` === pattern);
    if (matches) owners = rest;
  }
  return owners;
}

describe('CODEOWNERS', () => {
  test('the committed .github/CODEOWNERS is what the estate generates (run npm run codeowners when this fails)', () => {
    expect(readFileSync(join(__dirname, '..', CODEOWNERS_PATH), 'utf8')).toBe(renderCodeowners(DEFAULT_ESTATE));
  });

  test('the platform owns everything and the policy; each team only its own files', () => {
    const text = renderCodeowners(defaultEstate);
    expect(ownersOf(text, 'README.md')).toEqual(['@acme/platform']);
    expect(ownersOf(text, 'lib/config/estate.ts')).toEqual(['@acme/platform']);
    expect(ownersOf(text, 'main.ts')).toEqual(['@acme/platform']);
    expect(ownersOf(text, 'identities/production/billing.yaml')).toEqual(['@acme/platform']);
    expect(ownersOf(text, 'identities/production/payments.yaml')).toEqual(['@acme/payments']);
    expect(ownersOf(text, 'identities/staging/search.yaml')).toEqual(['@acme/search']);
  });

  test('a team owns files only in the environments it is bound to', () => {
    const estate = { ...defaultEstate, teams: defaultEstate.teams!.map((team) => (team.name === 'search' ? { ...team, environments: ['development'] } : team)) };
    const text = renderCodeowners(estate);
    expect(ownersOf(text, 'identities/development/search.yaml')).toEqual(['@acme/search']);
    expect(ownersOf(text, 'identities/production/search.yaml')).toEqual(['@acme/platform']);
  });

  test('is the same text whatever order the teams are listed in', () => {
    const reversed = { ...defaultEstate, teams: [...defaultEstate.teams!].reverse() };
    expect(renderCodeowners(reversed)).toBe(renderCodeowners(defaultEstate));
  });
});
