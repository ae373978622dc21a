import { readFileSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { federationLockPath } from './federation-locks';
import { ViolationDetails, formatViolation } from './violation';
import { EnvironmentConfig, EstateConfig, FederationSpec } from './types';

/** A trust domain name safe to put in a path; anything else is refused later as a trust domain (lib/identity/policy.ts). */
const PATH_SAFE_TRUST_DOMAIN = /^[a-z0-9][a-z0-9._-]*$/;

/**
 * The text of a partner's lock file (lib/config/federation-locks.ts) under `baseDir`, undefined when there
 * is none; `error` names why an existing one cannot be read.
 */
export function readFederationLock(trustDomain: unknown, baseDir: string): { path: string; text?: string; error?: string } | undefined {
  if (typeof trustDomain !== 'string' || !PATH_SAFE_TRUST_DOMAIN.test(trustDomain)) return undefined;
  const path = federationLockPath(trustDomain);
  try {
    return { path, text: readFileSync(join(baseDir, path), 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? undefined : { path, error: code ?? 'error' };
  }
}

/**
 * One partner with its bundle text filled in from its lock file or its `trustDomainBundleFile` (dropping the
 * file name), so constructs only ever see the bundle text, and the problems that stop that.
 */
export function withBundleText(spec: FederationSpec, environment: string, baseDir: string): { spec: FederationSpec; problems: string[] } {
  const problems: string[] = [];
  const report = (field: string, details: Omit<ViolationDetails, 'resource' | 'field'>) => problems.push(formatViolation(environment, {
    resource: `ClusterFederatedTrustDomain "${spec?.trustDomain}"`, field, ...details,
  }));
  const lock = readFederationLock(spec?.trustDomain, baseDir);
  const file = spec?.trustDomainBundleFile;
  if (lock) {
    if (lock.error !== undefined) {
      report('trustDomainBundle', { value: lock.path, rule: `cannot be read (${lock.error})`, fix: `make ${lock.path} readable, or delete it and fetch it again (spire-gitops federation fetch-bundle ${spec.trustDomain} --write)` });
      return { spec, problems };
    }
    // The lock is the bundle; a second source in the estate would leave it open which one SPIRE gets. An
    // inline bundle equal to the lock is the same bundle (an estate this function already filled in).
    const given = file !== undefined ? 'trustDomainBundleFile' : spec.trustDomainBundle !== undefined && spec.trustDomainBundle !== lock.text ? 'trustDomainBundle' : undefined;
    if (given) {
      report(given, { value: file ?? '<inline bundle>', rule: `is given while ${lock.path} holds the partner's fetched bundle`, fix: `remove ${given} from the estate: the lock file is the bundle, and spire-gitops federation fetch-bundle keeps it current` });
      return { spec, problems };
    }
    return { spec: { ...spec, trustDomainBundle: lock.text }, problems };
  }
  if (file === undefined) return { spec, problems };
  if (typeof file !== 'string' || file === '' || isAbsolute(file) || normalize(file).startsWith('..')) {
    report('trustDomainBundleFile', { value: file, rule: 'must be a path inside the repository, relative to its root', fix: `name a committed file relative to the repository root, or drop it and keep the bundle as ${federationLockPath(String(spec.trustDomain))} (spire-gitops federation fetch-bundle)` });
    return { spec, problems };
  }
  if (spec.trustDomainBundle !== undefined) {
    report('trustDomainBundleFile', { value: file, rule: 'is given together with trustDomainBundle', fix: 'keep one of the two' });
    return { spec, problems };
  }
  let text: string;
  try {
    text = readFileSync(join(baseDir, file), 'utf8');
  } catch (error) {
    report('trustDomainBundleFile', { value: file, rule: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, fix: 'commit the partner\'s public bundle at that path (spire-server bundle show -format spiffe on their side)' });
    return { spec, problems };
  }
  const { trustDomainBundleFile: _read, ...rest } = spec;
  return { spec: { ...rest, trustDomainBundle: text }, problems };
}

/**
 * Fills in every federation partner's bundle (withBundleText): from its lock file
 * (federation/<trust domain>.bundle.json under `baseDir`, the repository root) when there is one, else
 * from its `trustDomainBundleFile`. Returns the estate with the bundles filled in and a problem for every
 * file that is missing, outside the repository, unreadable, or given together with another source.
 */
export function resolveBundleFiles(estate: EstateConfig, baseDir: string): { estate: EstateConfig; problems: string[] } {
  const problems: string[] = [];
  const environments = estate.environments.map((environment): EnvironmentConfig => {
    if (!Array.isArray(environment?.federation)) return environment;
    const federation = environment.federation.map((spec): FederationSpec => {
      const filled = withBundleText(spec, environment.name, baseDir);
      problems.push(...filled.problems);
      return filled.spec;
    });
    return { ...environment, federation };
  });
  return { estate: { ...estate, environments }, problems };
}
