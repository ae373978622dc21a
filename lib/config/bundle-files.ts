import { readFileSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { ViolationDetails, formatViolation } from './violation';
import { EnvironmentConfig, EstateConfig, FederationSpec } from './types';

/**
 * Reads every federation partner's `trustDomainBundleFile` (relative to `baseDir`, the repository root)
 * into its `trustDomainBundle` (dropping the file name), so constructs only ever see the bundle text. Returns the estate with the
 * bundles filled in and a problem for every file that is missing, outside the repository, or given
 * together with an inline bundle.
 */
export function resolveBundleFiles(estate: EstateConfig, baseDir: string): { estate: EstateConfig; problems: string[] } {
  const problems: string[] = [];
  const environments = estate.environments.map((environment): EnvironmentConfig => {
    if (!Array.isArray(environment?.federation)) return environment;
    const federation = environment.federation.map((spec): FederationSpec => {
      const file = spec?.trustDomainBundleFile;
      if (file === undefined) return spec;
      const report = (details: Omit<ViolationDetails, 'resource' | 'field'>) => problems.push(formatViolation(environment.name, {
        resource: `ClusterFederatedTrustDomain "${spec.trustDomain}"`, field: 'trustDomainBundleFile', ...details,
      }));
      if (typeof file !== 'string' || file === '' || isAbsolute(file) || normalize(file).startsWith('..')) {
        report({ value: file, rule: 'must be a path inside the repository, relative to its root', fix: 'commit the bundle under lib/config/federation-bundles/ and name it relative to the repository root' });
        return spec;
      }
      if (spec.trustDomainBundle !== undefined) {
        report({ value: file, rule: 'is given together with trustDomainBundle', fix: 'keep one of the two' });
        return spec;
      }
      let text: string;
      try {
        text = readFileSync(join(baseDir, file), 'utf8');
      } catch (error) {
        report({ value: file, rule: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, fix: 'commit the partner\'s public bundle at that path (spire-server bundle show -format spiffe on their side)' });
        return spec;
      }
      const { trustDomainBundleFile: _read, ...rest } = spec;
      return { ...rest, trustDomainBundle: text };
    });
    return { ...environment, federation };
  });
  return { estate: { ...estate, environments }, problems };
}
