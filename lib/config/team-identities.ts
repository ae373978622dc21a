import { Dirent, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ViolationDetails, formatViolation } from './violation';
import { SpireNamespaces, checkIdentity, isTrustDomain, namespacePinnedBy } from '../identity/policy';
import { namespaceServiceAccountId, spiffeIdTemplate } from '../identity/spiffe-id';
import { FilePosition, LocatedTeamIdentity, TeamIdentity, parseTeamFile } from '../identity/team-files';
import { sortedByCodePoint } from '../render/kustomization';
import { resolveCluster } from '../resolve/resolve';
import { EnvironmentConfig, EstateConfig, IdentitySpec, TeamConfig } from './types';

/*
 * App teams' identity files, merged into the estate at synth. A team's file says what each identity is;
 * the estate's `teams` list binds where: the environments, namespaces and federation partners a team may
 * use. admin and downstream are never a team's to set. Every problem names the file and line.
 */

/** The directory, relative to the repository root, that holds `<environment>/<team>.yaml`. */
export const TEAM_IDENTITIES_DIR = 'identities';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const OWNER = /^(@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\/[A-Za-z0-9._-]+)?|[^@\s]+@[^@\s]+\.[^@\s]+)$/;
const PATH_PREFIX = /^(\/[A-Za-z0-9._-]+)+\/$/;
const NAMESPACE_LABEL = 'kubernetes.io/metadata.name';
/** Namespaces Kubernetes itself creates. */
const KUBERNETES_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];

/** Where a team's file for an environment is, relative to the repository root. */
export function teamFilePath(environment: string, team: string): string {
  return `${TEAM_IDENTITIES_DIR}/${environment}/${team}.yaml`;
}

/** The prefixes a team's explicit SPIFFE ID paths must start with. */
export function teamPathPrefixes(team: TeamConfig): readonly string[] {
  return team.spiffeIdPathPrefixes ?? team.namespaces.map((namespace) => `/ns/${namespace}/`);
}

/**
 * SPIRE's own namespaces in an environment, as the resolve stage places them (their one home). An
 * environment too broken to resolve has its problems reported by the estate's validation; its SPIRE
 * namespaces are then not known here.
 */
function spireNamespaces(estate: EstateConfig, environment: EnvironmentConfig): SpireNamespaces | undefined {
  const cluster = environment.clusters?.[0];
  if (!cluster) return undefined;
  try {
    const resolved = resolveCluster(environment, cluster, estate.images);
    return { server: resolved.server.namespace, agent: resolved.agent.namespace };
  } catch {
    return undefined;
  }
}

function spireNamespacesByEnvironment(estate: EstateConfig): Map<string, SpireNamespaces | undefined> {
  return new Map(estate.environments.map((environment) => [environment.name, spireNamespaces(estate, environment)]));
}

/** Every namespace the platform uses or gives identities in, with the reason, by namespace. */
function platformNamespaces(estate: EstateConfig, spireByEnvironment: ReadonlyMap<string, SpireNamespaces | undefined>): Map<string, string> {
  const owned = new Map<string, string>();
  const claim = (namespace: string | undefined, why: string) => {
    if (typeof namespace === 'string' && !owned.has(namespace)) owned.set(namespace, why);
  };
  for (const namespace of KUBERNETES_NAMESPACES) claim(namespace, 'Kubernetes\' own');
  claim(estate.argocd?.namespace, 'Argo CD\'s (argocd.namespace)');
  claim(estate.flux?.namespace, 'Flux\'s (flux.namespace)');
  for (const environment of estate.environments) {
    const spire = spireByEnvironment.get(environment.name);
    claim(spire?.server, `SPIRE's server namespace in ${environment.name}`);
    claim(spire?.agent, `SPIRE's agent namespace in ${environment.name}`);
    for (const namespace of environment.server?.ignoreNamespaces ?? []) claim(namespace, `ignored by the controller manager in ${environment.name}`);
    claim(environment.monitoring?.dashboardNamespace, `the monitoring namespace of ${environment.name}`);
    claim(environment.monitoring?.prometheusNamespace, `the monitoring namespace of ${environment.name}`);
    claim(environment.server?.upstreamAuthority?.type === 'cert-manager' ? environment.server.upstreamAuthority.namespace : undefined, `the upstream authority's namespace in ${environment.name}`);
    for (const identity of environment.identities ?? []) {
      for (const namespace of namespacePinnedBy(identity.namespaceSelector)) claim(namespace, `selected by the platform identity "${identity.name}" in ${environment.name}`);
    }
  }
  return owned;
}

/** Checks the estate's `teams` list and `platformOwners`: names, owners, and that each grant is the team's alone. */
export function teamGrantProblems(estate: EstateConfig, spireByEnvironment = spireNamespacesByEnvironment(estate)): string[] {
  const problems: string[] = [];
  const teams = estate.teams;
  if (teams === undefined) return problems;
  const report = (details: ViolationDetails) => problems.push(formatViolation('estate', details));
  const ownersProblem = (resource: string, field: string, owners: readonly string[] | undefined) => {
    if (!Array.isArray(owners) || owners.length === 0) {
      report({ resource, field, value: owners, rule: 'needs at least one owner (CODEOWNERS)', fix: 'list a GitHub team like @acme/payments, a user like @alice, or an email' });
      return;
    }
    owners.forEach((owner, index) => {
      if (!OWNER.test(owner)) report({ resource, field: `${field}[${index}]`, value: owner, rule: 'is not a CODEOWNERS owner', fix: 'write a GitHub team like @acme/payments, a user like @alice, or an email' });
    });
  };
  ownersProblem('the estate', 'platformOwners', estate.platformOwners);
  const environments = new Map(estate.environments.map((environment) => [environment.name, environment]));
  const platform = platformNamespaces(estate, spireByEnvironment);
  const claimedBy = new Map<string, string>();
  const names = new Set<string>();
  for (const [index, team] of teams.entries()) {
    const resource = `team "${team.name}"`;
    if (typeof team.name !== 'string' || !DNS_LABEL.test(team.name) || team.name.length > 63) {
      report({ resource: `teams[${index}]`, field: 'name', value: team.name, rule: 'must be a DNS label (it names the team\'s files)', fix: 'use lowercase letters, digits and -' });
    } else if (names.has(team.name)) {
      report({ resource, field: 'name', value: team.name, rule: 'is used by two teams', fix: 'give each team its own name' });
    }
    names.add(team.name);
    ownersProblem(resource, 'owners', team.owners);
    if (team.namespaces.length === 0) report({ resource, field: 'namespaces', value: [], rule: 'grants no namespace, so none of its identities could select a pod', fix: 'grant the namespaces the team\'s workloads run in' });
    team.namespaces.forEach((namespace, position) => {
      const field = `namespaces[${position}]`;
      if (!DNS_LABEL.test(namespace) || namespace.length > 63) {
        report({ resource, field, value: namespace, rule: 'is not a namespace name', fix: 'use a DNS label (lowercase letters, digits and -)' });
      } else if (platform.has(namespace)) {
        report({ resource, field, value: namespace, rule: `is the platform's namespace (${platform.get(namespace)}), not a team's`, fix: 'grant the team a namespace of its own' });
      } else if (claimedBy.has(namespace) && claimedBy.get(namespace) !== team.name) {
        report({ resource, field, value: namespace, rule: `is already granted to team "${claimedBy.get(namespace)}"`, fix: 'grant each namespace to one team only' });
      }
      claimedBy.set(namespace, claimedBy.get(namespace) ?? team.name);
    });
    team.environments.forEach((name, position) => {
      if (!environments.has(name)) report({ resource, field: `environments[${position}]`, value: name, rule: `is not an environment of the estate (${[...environments.keys()].join(', ')})`, fix: 'name an environment of the estate' });
    });
    team.federatesWith.forEach((trustDomain, position) => {
      const field = `federatesWith[${position}]`;
      const partnerIn = team.environments.filter((name) => environments.get(name)?.federation.some((partner) => partner.trustDomain === trustDomain));
      if (!isTrustDomain(trustDomain)) {
        report({ resource, field, value: trustDomain, rule: 'is not a trust domain name', fix: 'use a bare name like partner.example (no spiffe://)' });
      } else if (partnerIn.length === 0) {
        report({ resource, field, value: trustDomain, rule: `is a federation partner of none of the team's environments (${team.environments.join(', ') || 'none'})`, fix: 'add the partner to an environment\'s federation first, or remove the grant' });
      }
    });
    (team.spiffeIdPathPrefixes ?? []).forEach((prefix, position) => {
      if (!PATH_PREFIX.test(prefix) || prefix.split('/').some((segment) => segment === '.' || segment === '..')) {
        report({ resource, field: `spiffeIdPathPrefixes[${position}]`, value: prefix, rule: 'must be a SPIFFE ID path ending in /', fix: 'write it like /ns/payments/' });
      }
    });
  }
  return problems;
}

/** The team that was granted a namespace. */
export function teamOfNamespace(estate: EstateConfig, namespace: string): TeamConfig | undefined {
  return estate.teams?.find((team) => team.namespaces.includes(namespace));
}

/**
 * The team file an identity of an environment came from, or undefined for the platform's own: team
 * namespaces are the team's alone, and the platform's identities may not select them.
 */
export function teamFileOf(estate: EstateConfig, environment: string, identity: IdentitySpec): string | undefined {
  const team = namespacePinnedBy(identity.namespaceSelector).map((namespace) => teamOfNamespace(estate, namespace)).find((found) => found !== undefined);
  return team && team.environments.includes(environment) ? teamFilePath(environment, team.name) : undefined;
}

/** The identity a team entry becomes; admin is false whatever the environment's policy demands be stated. */
export function identityOfTeamEntry(entry: TeamIdentity): IdentitySpec {
  return {
    name: entry.name,
    spiffeIDTemplate: entry.spiffeIdPath === undefined ? namespaceServiceAccountId() : spiffeIdTemplate(...entry.spiffeIdPath.slice(1).split('/')),
    namespaceSelector: { matchLabels: { [NAMESPACE_LABEL]: entry.namespace } },
    ...(entry.podLabels ? { podSelector: { matchLabels: { ...entry.podLabels } } } : {}),
    ...(entry.serviceAccount ? { workloadSelectorTemplates: [`k8s:sa:${entry.serviceAccount}`] } : {}),
    ...(entry.dnsNames?.length ? { dnsNameTemplates: [...entry.dnsNames] } : {}),
    ...(entry.x509Ttl !== undefined ? { ttl: entry.x509Ttl } : {}),
    ...(entry.jwtTtl !== undefined ? { jwtTtl: entry.jwtTtl } : {}),
    ...(entry.federatesWith?.length ? { federatesWith: [...entry.federatesWith] } : {}),
    admin: false,
  };
}

/** A ClusterSPIFFEID field as the team file names it. */
const SPEC_TO_TEAM_FIELD: readonly [RegExp, string][] = [
  [/^metadata\.name$/, 'name'],
  [/^spec\.spiffeIDTemplate$/, 'spiffeIdPath'],
  [/^spec\.workloadSelectorTemplates.*$/, 'serviceAccount'],
  [/^spec\.dnsNameTemplates(\[\d+\])?$/, 'dnsNames$1'],
  [/^spec\.podSelector\.matchLabels(.*)$/, 'podLabels$1'],
  [/^spec\.podSelector.*$/, 'podLabels'],
  [/^spec\.namespaceSelector.*$/, 'namespace'],
  [/^spec\.ttl$/, 'x509Ttl'],
  [/^spec\.jwtTtl$/, 'jwtTtl'],
  [/^spec\.federatesWith(\[\d+\])?$/, 'federatesWith$1'],
];

function teamField(specField: string): string {
  for (const [pattern, replacement] of SPEC_TO_TEAM_FIELD) if (pattern.test(specField)) return specField.replace(pattern, replacement);
  return specField;
}

/** The policy's words for ClusterSPIFFEID fields, in the team file's. */
function inTeamWords(text: string): string {
  return text
    .replace(/\bspec\.jwtTtl\b/g, 'jwtTtl')
    .replace(/\bspec\.ttl\b/g, 'x509Ttl')
    .replace(/\bspec\.federatesWith\b/g, 'federatesWith')
    .replace(/add 'k8s:sa:<service account>'/, 'add serviceAccount: <the pods\' service account>');
}

interface FileContext {
  readonly file: string;
  readonly environment: EnvironmentConfig;
  readonly team: TeamConfig;
}

function entryProblems(located: LocatedTeamIdentity, context: FileContext, spire: SpireNamespaces | undefined): { field: string; details: Omit<ViolationDetails, 'resource'> }[] {
  const { identity } = located;
  const { environment, team } = context;
  const found: { field: string; details: Omit<ViolationDetails, 'resource'> }[] = [];
  const grant = 'ask the platform team to extend the grant of the team in teams (lib/config/estate.ts)';
  if (!team.namespaces.includes(identity.namespace)) {
    found.push({
      field: 'namespace',
      details: { field: 'namespace', value: identity.namespace, rule: `is not granted to team "${team.name}" (${team.namespaces.join(', ')})`, fix: `select one of the team's namespaces, or ${grant}` },
    });
  }
  (identity.federatesWith ?? []).forEach((trustDomain, index) => {
    if (!team.federatesWith.includes(trustDomain)) {
      found.push({
        field: `federatesWith[${index}]`,
        details: {
          field: `federatesWith[${index}]`, value: trustDomain,
          rule: `is not a trust domain team "${team.name}" may federate with (${team.federatesWith.join(', ') || 'none granted'})`,
          fix: `remove it, or ${grant}`,
        },
      });
    }
  });
  const prefixes = teamPathPrefixes(team);
  if (identity.spiffeIdPath !== undefined && !prefixes.some((prefix) => identity.spiffeIdPath!.startsWith(prefix))) {
    found.push({
      field: 'spiffeIdPath',
      details: { field: 'spiffeIdPath', value: identity.spiffeIdPath, rule: `is outside the paths granted to team "${team.name}" (${prefixes.join(', ')})`, fix: 'start the path with one of the team\'s prefixes, or leave it out for /ns/<namespace>/sa/<service account>' },
    });
  }
  // The environment's identity policy, applied as to any identity (synth applies it again to the merged
  // ClusterSPIFFEIDs); here its findings get the file's line and the file's field names. A field the grant
  // already refuses is not reported twice.
  const spec = identityOfTeamEntry(identity);
  const seen = new Set<string>(found.map((finding) => finding.field));
  for (const cluster of environment.clusters) {
    for (const problem of checkIdentity(spec, environment, cluster.name, spire)) {
      const field = teamField(problem.field);
      const details = { field, value: problem.value, rule: inTeamWords(problem.rule), fix: inTeamWords(problem.fix) };
      const key = JSON.stringify(details);
      if (seen.has(key) || seen.has(field)) continue;
      seen.add(key);
      found.push({ field, details });
    }
  }
  return found;
}

function located(file: string, position: FilePosition): string {
  return `${file}:${position.line}:${position.col}`;
}

export interface TeamIdentities {
  /** The estate with each environment's team identities appended to its own, in file and entry order. */
  readonly estate: EstateConfig;
  readonly problems: string[];
}

/**
 * Reads `identities/<environment>/<team>.yaml` under `baseDir` (the repository root) for an estate that
 * has `teams`, checks every file against its team's grant and its environment's identity policy, and
 * merges the identities into the environments: the platform's first, then the teams' by team name and
 * entry order. Returns the estate unchanged with every problem found when anything is wrong.
 */
export function loadTeamIdentities(estate: EstateConfig, baseDir: string): TeamIdentities {
  if (estate.teams === undefined) return { estate, problems: [] };
  const spireByEnvironment = spireNamespacesByEnvironment(estate);
  const grantProblems = teamGrantProblems(estate, spireByEnvironment);
  // A wrong grant would make every file's findings misleading: it is reported alone.
  if (grantProblems.length > 0) return { estate, problems: grantProblems };

  const problems: string[] = [];
  const root = join(baseDir, TEAM_IDENTITIES_DIR);
  const list = (dir: string): Dirent[] => {
    try {
      return readdirSync(dir, { withFileTypes: true }).filter((entry) => !entry.name.startsWith('.'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  };
  const environments = new Map(estate.environments.map((environment) => [environment.name, environment]));
  const teams = new Map(estate.teams.map((team) => [team.name, team]));
  const added = new Map<string, IdentitySpec[]>();
  const byName = (entries: Dirent[]) => sortedByCodePoint(entries.map((entry) => entry.name)).map((name) => entries.find((entry) => entry.name === name)!);

  for (const directory of byName(list(root))) {
    const environment = environments.get(directory.name);
    if (!directory.isDirectory() || !environment) {
      problems.push(formatViolation('estate', {
        resource: `${TEAM_IDENTITIES_DIR}/${directory.name}${directory.isDirectory() ? '/' : ''}`, field: 'environment', value: directory.name,
        rule: `must be a directory named after an environment of the estate (${[...environments.keys()].join(', ')})`,
        fix: `put team files in ${TEAM_IDENTITIES_DIR}/<environment>/<team>.yaml`,
      }));
      continue;
    }
    const names = new Map<string, string>(environment.identities.map((identity) => [identity.name, 'a platform identity (lib/config/estate.ts)']));
    const merged: IdentitySpec[] = [];
    for (const entry of byName(list(join(root, directory.name)))) {
      const file = `${TEAM_IDENTITIES_DIR}/${directory.name}/${entry.name}`;
      const teamName = entry.name.replace(/\.yaml$/, '');
      const team = teams.get(teamName);
      const fileProblem = (field: string, value: unknown, rule: string, fix: string) => problems.push(formatViolation(environment.name, {
        resource: `${located(file, { line: 1, col: 1 })}: team file`, field, value, rule, fix,
      }));
      if (!entry.isFile() || !entry.name.endsWith('.yaml')) {
        fileProblem('name', entry.name, 'must be a file named <team>.yaml', `rename it to ${teamName.replace(/\.ya?ml$/, '')}.yaml, after your team`);
        continue;
      }
      if (!team) {
        fileProblem('name', teamName, `names no team of the estate (${[...teams.keys()].join(', ') || 'none'})`, `name the file after your team, or ask the platform team to add team "${teamName}" to teams (lib/config/estate.ts)`);
        continue;
      }
      if (!team.environments.includes(environment.name)) {
        fileProblem('environment', environment.name, `is not an environment team "${team.name}" may request identities in (${team.environments.join(', ') || 'none'})`, `remove the file, or ask the platform team to add ${environment.name} to the team's environments (lib/config/estate.ts)`);
        continue;
      }
      const parsed = parseTeamFile(readFileSync(join(root, directory.name, entry.name), 'utf8'));
      const findings: { position: FilePosition; entry?: number; details: Omit<ViolationDetails, 'resource'> }[] = parsed.problems.map((problem) => ({
        position: problem.position, entry: problem.entry,
        details: { field: problem.field, value: problem.value, rule: problem.rule, fix: problem.fix },
      }));
      const spire = spireByEnvironment.get(environment.name);
      for (const request of parsed.entries) {
        const { identity } = request;
        const previous = names.get(identity.name);
        if (previous) {
          findings.push({
            position: request.positionOf('name'), entry: request.index,
            details: { field: 'name', value: identity.name, rule: `is already used in ${environment.name} by ${previous}`, fix: 'give the identity a name of its own, e.g. prefixed with your team' },
          });
          continue;
        }
        names.set(identity.name, located(file, request.positionOf('name')));
        const own = entryProblems(request, { file, environment, team }, spire);
        for (const problem of own) findings.push({ position: request.positionOf(problem.field), entry: request.index, details: problem.details });
        if (own.length === 0) merged.push(identityOfTeamEntry(identity));
      }
      findings.sort((a, b) => a.position.line - b.position.line || a.position.col - b.position.col);
      for (const finding of findings) {
        const name = finding.entry === undefined ? undefined : parsed.names[finding.entry];
        const subject = finding.entry === undefined ? 'file' : name !== undefined ? `identity "${name}"` : `entry ${finding.entry + 1}`;
        problems.push(formatViolation(environment.name, { resource: `${located(file, finding.position)}: ${subject}`, ...finding.details }));
      }
    }
    added.set(environment.name, merged);
  }
  if (problems.length > 0) return { estate, problems };
  return {
    estate: {
      ...estate,
      environments: estate.environments.map((environment) => {
        const extra = added.get(environment.name) ?? [];
        return extra.length === 0 ? environment : { ...environment, identities: [...environment.identities, ...extra] };
      }),
    },
    problems,
  };
}
