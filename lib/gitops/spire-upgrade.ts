import { EnvironmentConfig, EstateConfig, ImageRef } from '../config/types';

/*
 * SPIRE's upgrade rules (doc/upgrading.md of spiffe/spire): servers before agents, one minor version at a
 * time, and a server is never older than the agents it serves (agents are not forward compatible). The
 * estate records per environment the versions it was last seen running (promotion/spire-versions.json);
 * synth compares what it renders with that record, so one commit can never ask an environment to skip a
 * minor version or put its server below its agents.
 */

/** The committed record: per environment, the SPIRE server and agent versions it runs. */
export type RunningSpireVersions = Readonly<Record<string, { readonly server: string; readonly agent: string }>>;

export const SPIRE_VERSIONS_STATE = 'promotion/spire-versions.json';

export interface SpireVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** `1.15.2` or `v1.15.2`, optionally with a suffix (`1.15.2-fips`): SPIRE's release tags. */
const RELEASE = /^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-[0-9A-Za-z.-]+)?$/;

export function parseSpireVersion(text: string): SpireVersion | undefined {
  const match = RELEASE.exec(text);
  return match ? { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) } : undefined;
}

export function compareVersions(a: SpireVersion, b: SpireVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** The SPIRE versions an environment's trees run: the tags of the server and agent images it renders. */
export function wantedSpireVersions(estate: EstateConfig, _env: EnvironmentConfig): { readonly server: ImageRef; readonly agent: ImageRef } {
  // One image catalogue serves every environment; a pinned environment gets it when it is promoted.
  return { server: estate.images.spireServer, agent: estate.images.spireAgent };
}

export interface UpgradeProblem {
  readonly where: string;
  readonly field: string;
  readonly value: unknown;
  readonly rule: string;
  readonly fix: string;
}

/**
 * Problems with the versions the estate asks each environment to run, against the versions it is recorded
 * as running. An environment without a record is a first install: only the server/agent order applies.
 */
export function upgradeProblems(estate: EstateConfig): UpgradeProblem[] {
  const problems: UpgradeProblem[] = [];
  const records = estate.runningSpireVersions ?? {};
  // Entries of environments the estate does not have are ignored, as pinned revisions are (an estate narrowed to some environments keeps the file).
  for (const env of estate.environments) {
    const wanted = wantedSpireVersions(estate, env);
    const recorded = records[env.name];
    const server = parseSpireVersion(wanted.server.tag);
    const agent = parseSpireVersion(wanted.agent.tag);
    const images = [
      { role: 'server' as const, field: 'images.spireServer.tag', image: wanted.server, version: server },
      { role: 'agent' as const, field: 'images.spireAgent.tag', image: wanted.agent, version: agent },
    ];
    for (const { role, field, image, version } of images) {
      if (version === undefined) {
        problems.push({
          where: env.name, field, value: image.tag,
          rule: `the SPIRE ${role} image ${image.repository} must carry a release tag (1.15.2), so the upgrade step can be told`,
          fix: 'use the release tag of the image, pinned by digest',
        });
        continue;
      }
      const before = recorded?.[role];
      if (before === undefined) continue;
      const running = parseSpireVersion(before);
      if (running === undefined) {
        problems.push({
          where: env.name, field: `${SPIRE_VERSIONS_STATE} ${env.name}.${role}`, value: before,
          rule: 'must be the SPIRE release the environment runs (1.15.2)', fix: `record the version it runs: npm run promote -- --record ${env.name}`,
        });
        continue;
      }
      const step = version.major === running.major ? Math.abs(version.minor - running.minor) : Infinity;
      if (step > 1) {
        const upward = compareVersions(version, running) > 0;
        const between = upward
          ? `${running.major}.${running.minor + 1}`
          : `${running.major}.${Math.max(running.minor - 1, 0)}`;
        const through = version.major === running.major ? `go through ${between} first` : `go through the last ${running.major}.x release first`;
        problems.push({
          where: env.name, field, value: image.tag,
          rule: `the SPIRE ${role} image ${image.repository} would move from ${before} (recorded as running in ${SPIRE_VERSIONS_STATE}) to ${image.tag}; `
            + 'SPIRE supports one minor version at a time',
          fix: `${through}: set the image to a ${between}.x release, roll it out, record it (npm run promote), then move on`,
        });
      }
    }
    // doc/upgrading.md (spiffe/spire v1.15.2), SPIRE Agent Compatibility: agents must not be newer than the
    // server they talk to, and may be at most one minor version older. Judged for the agents the estate
    // renders and for the agents running now (the server rolls first, so it meets them).
    if (server !== undefined) {
      const runningAgent = recorded ? parseSpireVersion(recorded.agent) : undefined;
      const agents = [
        ...(agent !== undefined ? [{ what: `the agent image it renders (${wanted.agent.tag})`, version: agent, text: wanted.agent.tag }] : []),
        ...(runningAgent ? [{ what: `the agents it runs (${recorded!.agent}, recorded in ${SPIRE_VERSIONS_STATE})`, version: runningAgent, text: recorded!.agent }] : []),
      ];
      const newer = agents.find((candidate) => compareVersions(candidate.version, server) > 0);
      if (newer) {
        problems.push({
          where: env.name, field: 'images.spireServer.tag', value: wanted.server.tag,
          rule: `the SPIRE server would be older than ${newer.what}; agents must not be newer than their server, so servers are upgraded first and downgraded last`,
          fix: `keep the server at ${newer.text} or newer; to downgrade, move the agents down first`,
        });
      }
      if (agent !== undefined && (agent.major !== server.major || server.minor - agent.minor > 1)) {
        problems.push({
          where: env.name, field: 'images.spireAgent.tag', value: wanted.agent.tag,
          rule: `the SPIRE agents would be more than one minor version older than the server (${wanted.server.tag})`,
          fix: `move the agents to ${server.major}.${server.minor - 1}.x or newer before the server moves on`,
        });
      }
    }
  }
  return problems;
}

/**
 * The record after `environments` rolled out what the estate renders for them: each gets the server and
 * agent tags of its images. Environments are kept in name order so the file diffs cleanly.
 */
export function recordSpireVersions(estate: EstateConfig, state: RunningSpireVersions, environments: readonly string[]): RunningSpireVersions {
  const next: Record<string, { server: string; agent: string }> = { ...state };
  for (const name of environments) {
    const env = estate.environments.find((candidate) => candidate.name === name);
    if (env === undefined) throw new Error(`unknown environment '${name}'; the estate has ${estate.environments.map((e) => e.name).join(', ')}`);
    const wanted = wantedSpireVersions(estate, env);
    next[name] = { server: wanted.server.tag, agent: wanted.agent.tag };
  }
  return Object.fromEntries(Object.entries(next).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
