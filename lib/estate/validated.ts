import { resolveBundleFiles } from '../config/bundle-files';
import { loadTeamIdentities } from '../config/team-identities';
import { EstateConfig } from '../config/types';
import { validateEstate } from '../config/validate';
import { parseEstate } from '../config/parse';
import { withInternalFederation, withoutPendingFederation } from '../config/topology';
import { EstateValidationError } from '../config/violation';
import { gitopsProblems } from '../gitops/validate';

/**
 * The first stage: the estate as written, with the federations between its own trust domains listed on
 * both sides (lib/config/topology.ts withInternalFederation), the team identity files (identities/<env>/<team>.yaml)
 * merged in, the partners' lock files (federation/) and the files it names (federation bundles) read against
 * `baseDir`, refused with every problem at once when a field is wrong. Names become paths, labels and
 * resource names, so no later stage runs on an estate that failed here.
 */
export function validatedEstate(input: EstateConfig | unknown, baseDir: string): EstateConfig {
  // The schema first: every later step may trust the estate's shape (no unknown keys, the right types).
  const parsed = parseEstate(input);
  if (!parsed.ok) throw new EstateValidationError(parsed.problems);
  // Internal federations are listed on both sides before anything reads `federation` (teams' grants, lock files).
  const teams = loadTeamIdentities(withInternalFederation(parsed.estate), baseDir);
  const withFiles = resolveBundleFiles(teams.estate, baseDir);
  const estate = withoutPendingFederation(withFiles.estate);
  const problems = [...teams.problems, ...withFiles.problems, ...validateEstate(estate), ...gitopsProblems(estate)];
  if (problems.length > 0) throw new EstateValidationError(problems);
  return estate;
}

/**
 * The estate with only the named environments, and team grants only for those: what `--env` renders,
 * after validatedEstate checked the whole estate.
 */
export function onlyEnvironments(estate: EstateConfig, names: readonly string[]): EstateConfig {
  const teams = estate.teams
    ?.map((team) => ({ ...team, environments: team.environments.filter((name) => names.includes(name)) }))
    .filter((team) => team.environments.length > 0);
  return { ...estate, environments: estate.environments.filter((environment) => names.includes(environment.name)), ...(teams ? { teams } : {}) };
}
