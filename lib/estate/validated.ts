import { resolveBundleFiles } from '../config/bundle-files';
import { loadTeamIdentities } from '../config/team-identities';
import { EstateConfig } from '../config/types';
import { validateEstate } from '../config/validate';
import { EstateValidationError } from '../config/violation';
import { gitopsProblems } from '../gitops/validate';

/**
 * The first stage: the estate as written, with the team identity files (identities/<env>/<team>.yaml)
 * merged in and the files it names (federation bundles) read against
 * `baseDir`, refused with every problem at once when a field is wrong. Names become paths, labels and
 * resource names, so no later stage runs on an estate that failed here.
 */
export function validatedEstate(input: EstateConfig, baseDir: string): EstateConfig {
  const teams = loadTeamIdentities(input, baseDir);
  const withFiles = resolveBundleFiles(teams.estate, baseDir);
  const estate = withFiles.estate;
  const problems = [...teams.problems, ...withFiles.problems, ...validateEstate(estate), ...gitopsProblems(estate)];
  if (problems.length > 0) throw new EstateValidationError(problems);
  return estate;
}
