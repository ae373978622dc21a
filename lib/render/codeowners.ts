import { teamFilePath } from '../config/team-identities';
import { EstateConfig } from '../config/types';

/** Where GitHub reads the file, relative to the repository root. */
export const CODEOWNERS_PATH = '.github/CODEOWNERS';

/**
 * `.github/CODEOWNERS` from the estate: the platform owns everything by default and, named explicitly,
 * the policy (lib/, main.ts, the estate, the identities/ directory itself); each team owns its own file
 * in each environment it is bound to. GitHub applies the last matching line, so the teams' lines come
 * last. Pure: the same estate always gives the same text. Empty without `platformOwners`.
 */
export function renderCodeowners(estate: EstateConfig): string {
  const platform = estate.platformOwners ?? [];
  if (platform.length === 0) return '';
  const owners = platform.join(' ');
  const teamLines = (estate.teams ?? [])
    .flatMap((team) => estate.environments
      .filter((environment) => team.environments.includes(environment.name))
      .map((environment) => [`/${teamFilePath(environment.name, team.name)}`, team.owners.join(' ')] as const));
  // Sorted by path (code point), so reordering the estate's lists never reorders the file.
  teamLines.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [
    '# Generated from lib/config/estate.ts (platformOwners, teams) by `npm run codeowners`; do not edit.',
    '# GitHub applies the last matching line: the platform owns everything, each team its identity files.',
    `* ${owners}`,
    '',
    '# The policy: the estate, the constructs and rules, the synth entry point, and which team files exist.',
    `/lib/ ${owners}`,
    `/main.ts ${owners}`,
    `/identities/ ${owners}`,
    `/${CODEOWNERS_PATH} ${owners}`,
    '',
    '# Each team\'s identity requests, per environment it is bound to (lib/config/estate.ts, teams).',
    ...teamLines.map(([path, teamOwners]) => `${path} ${teamOwners}`),
    '',
  ].join('\n');
}
