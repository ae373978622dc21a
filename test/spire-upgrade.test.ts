import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { EstateConfig, ImageRef } from '../lib/config/types';
import { DEFAULT_IMAGES, SPIRE_VERSION } from '../lib/config/versions';
import { PROMOTION_STATE, runPromote, runRecord } from '../lib/gitops/promote-command';
import { SPIRE_VERSIONS_STATE, parseSpireVersion, recordSpireVersions, upgradeProblems } from '../lib/gitops/spire-upgrade';
import { problemsOf } from './helpers/estate';

const STAGING_HEAD = 'b'.repeat(40);
const committed = JSON.parse(readFileSync(join(__dirname, '..', SPIRE_VERSIONS_STATE), 'utf8'));

function tagged(image: ImageRef, tag: string): ImageRef {
  // Synth reads the tag for the version; the digest is kept (only its form is checked).
  return { ...image, tag };
}

/** The default estate (without teams) running `recorded` everywhere and asking for the given server and agent tags. */
function estate(recorded: { server: string; agent: string } | undefined, server: string, agent: string): EstateConfig {
  const environments = DEFAULT_ESTATE.environments;
  return {
    ...DEFAULT_ESTATE,
    teams: undefined,
    environments,
    runningSpireVersions: recorded ? Object.fromEntries(environments.map((env) => [env.name, recorded])) : undefined,
    images: { ...DEFAULT_IMAGES, spireServer: tagged(DEFAULT_IMAGES.spireServer, server), spireAgent: tagged(DEFAULT_IMAGES.spireAgent, agent) },
  };
}

describe('the committed record of running SPIRE versions', () => {
  test('records every environment of the estate at the shipped version, which the estate renders', () => {
    expect(Object.keys(committed).sort()).toEqual(DEFAULT_ESTATE.environments.map((env) => env.name).sort());
    for (const versions of Object.values(committed)) expect(versions).toEqual({ server: SPIRE_VERSION, agent: SPIRE_VERSION });
    expect(DEFAULT_ESTATE.runningSpireVersions).toEqual(committed);
    expect(upgradeProblems(DEFAULT_ESTATE)).toEqual([]);
  });

  test('reads SPIRE release tags, with or without v and a suffix, and nothing else', () => {
    expect(parseSpireVersion('1.15.2')).toEqual({ major: 1, minor: 15, patch: 2 });
    expect(parseSpireVersion('v1.14.5-fips')).toEqual({ major: 1, minor: 14, patch: 5 });
    expect(parseSpireVersion('latest')).toBeUndefined();
    expect(parseSpireVersion('1.15')).toBeUndefined();
  });
});

describe('synth keeps SPIRE upgrades to one minor version at a time', () => {
  test('one minor version up, patch releases and one minor down are allowed', () => {
    const at = { server: '1.14.5', agent: '1.14.5' };
    expect(problemsOf(estate(at, '1.15.2', '1.15.2'))).toEqual([]);
    // The server first, the agents in a later commit.
    expect(problemsOf(estate(at, '1.15.2', '1.14.5'))).toEqual([]);
    expect(problemsOf(estate({ server: '1.15.2', agent: '1.15.2' }, '1.15.3', '1.15.3'))).toEqual([]);
    expect(problemsOf(estate({ server: '1.15.2', agent: '1.14.5' }, '1.15.2', '1.15.2'))).toEqual([]);
    // A downgrade: the agents first, then the server.
    expect(problemsOf(estate({ server: '1.15.2', agent: '1.15.2' }, '1.15.2', '1.14.5'))).toEqual([]);
    expect(problemsOf(estate({ server: '1.15.2', agent: '1.14.5' }, '1.14.5', '1.14.5'))).toEqual([]);
    // No record: a first install may start at any release.
    expect(problemsOf(estate(undefined, '1.15.2', '1.15.2'))).toEqual([]);
  });

  test('fails when the server image skips a minor version, naming environment, image, recorded and wanted versions and the step between', () => {
    const problems = problemsOf(estate({ server: '1.13.3', agent: '1.13.3' }, '1.15.2', '1.14.5'));
    expect(problems).toHaveLength(3);
    expect(problems[0]).toBe(
      'development: environment "development" images.spireServer.tag: the SPIRE server image ghcr.io/spiffe/spire-server would move from 1.13.3 '
      + '(recorded as running in promotion/spire-versions.json) to 1.15.2; SPIRE supports one minor version at a time, got "1.15.2"; '
      + 'fix: go through 1.14 first: set the image to a 1.14.x release, roll it out, record it (npm run promote), then move on',
    );
    expect(problems.map((problem) => problem.split(':')[0])).toEqual(['development', 'staging', 'production']);
  });

  test('fails when the agent image skips a minor version', () => {
    const problems = problemsOf(estate({ server: '1.15.2', agent: '1.13.3' }, '1.15.2', '1.15.2'));
    expect(problems[0]).toMatch(/^development: environment "development" images.spireAgent.tag: the SPIRE agent image ghcr.io\/spiffe\/spire-agent would move from 1.13.3 .* to 1.15.2; .*fix: go through 1.14 first/);
  });

  test('fails on a jump down by more than one minor version, and across a major version', () => {
    expect(problemsOf(estate({ server: '1.15.2', agent: '1.15.2' }, '1.13.3', '1.13.3'))[0]).toMatch(/would move from 1.15.2 .* to 1.13.3; .*fix: go through 1.14 first/);
    expect(problemsOf(estate({ server: '1.15.2', agent: '1.15.2' }, '2.0.0', '1.15.2'))[0]).toMatch(/server image .* would move from 1.15.2 .* to 2.0.0; .*fix: go through the last 1.x release first/);
  });

  test('fails when the server would be older than the agents it renders or runs', () => {
    const below = problemsOf(estate({ server: '1.15.2', agent: '1.15.2' }, '1.14.5', '1.15.2'));
    expect(below[0]).toBe(
      'development: environment "development" images.spireServer.tag: the SPIRE server would be older than the agent image it renders (1.15.2); '
      + 'agents must not be newer than their server, so servers are upgraded first and downgraded last, got "1.14.5"; fix: keep the server at 1.15.2 or newer; to downgrade, move the agents down first',
    );
    // Within a minor version too: an agent must not be newer than its server.
    expect(problemsOf(estate({ server: '1.15.2', agent: '1.15.2' }, '1.15.2', '1.15.3'))[0]).toMatch(/older than the agent image it renders \(1.15.3\).*fix: keep the server at 1.15.3 or newer/);
    // Both move down in one commit: the server (first in the rollout) would serve the agents that run now, which are newer.
    const together = upgradeProblems(estate({ server: '1.15.2', agent: '1.15.2' }, '1.14.5', '1.14.5'));
    expect(together.map((problem) => problem.rule)).toEqual(DEFAULT_ESTATE.environments.map(() => expect.stringMatching(/older than the agents it runs \(1.15.2, recorded in promotion\/spire-versions.json\)/)));
  });

  test('fails when the agents would be more than one minor version behind the server', () => {
    const problems = problemsOf(estate(undefined, '1.15.2', '1.13.3'));
    expect(problems[0]).toBe(
      'development: environment "development" images.spireAgent.tag: the SPIRE agents would be more than one minor version older than the server (1.15.2), '
      + 'got "1.13.3"; fix: move the agents to 1.14.x or newer before the server moves on',
    );
  });

  test('fails on a tag that is not a release, and on a record that is not one', () => {
    expect(problemsOf(estate({ server: '1.15.2', agent: '1.15.2' }, 'nightly', '1.15.2'))[0]).toMatch(/images.spireServer.tag: the SPIRE server image ghcr.io\/spiffe\/spire-server must carry a release tag .*got "nightly"/);
    expect(problemsOf(estate({ server: 'unknown', agent: '1.15.2' }, '1.15.2', '1.15.2'))[0]).toMatch(/promotion\/spire-versions.json development.server: must be the SPIRE release the environment runs .*got "unknown"; fix: record the version it runs: npm run promote -- --record development/);
  });
});

describe('promotion records the SPIRE versions an environment runs', () => {
  function inRepository(body: (root: string) => void): void {
    const root = mkdtempSync(join(tmpdir(), 'spire-upgrade-'));
    try {
      cpSync(join(__dirname, '..', 'promotion'), join(root, 'promotion'), { recursive: true });
      body(root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  const read = (root: string) => JSON.parse(readFileSync(join(root, SPIRE_VERSIONS_STATE), 'utf8'));

  test('promote staging production records both as running what the estate renders', () => {
    inRepository((root) => {
      writeFileSync(join(root, SPIRE_VERSIONS_STATE), JSON.stringify({ development: { server: '1.15.2', agent: '1.15.2' }, production: { server: '1.14.5', agent: '1.14.5' }, staging: { server: '1.14.5', agent: '1.14.5' } }));
      runPromote({ from: 'staging', to: 'production', root, estate: { ...DEFAULT_ESTATE, teams: undefined }, resolveBranch: () => STAGING_HEAD });
      expect(read(root)).toEqual({ development: { server: '1.15.2', agent: '1.15.2' }, production: { server: SPIRE_VERSION, agent: SPIRE_VERSION }, staging: { server: SPIRE_VERSION, agent: SPIRE_VERSION } });
      expect(readFileSync(join(root, SPIRE_VERSIONS_STATE), 'utf8')).toBe(`${JSON.stringify(read(root), null, 2)}\n`);
    });
  });

  test('fails to promote a commit that skips a minor version, and writes nothing', () => {
    inRepository((root) => {
      const before = { development: { server: '1.15.2', agent: '1.15.2' }, production: { server: '1.13.3', agent: '1.13.3' }, staging: { server: '1.14.5', agent: '1.14.5' } };
      writeFileSync(join(root, SPIRE_VERSIONS_STATE), JSON.stringify(before));
      const revisions = readFileSync(join(root, PROMOTION_STATE), 'utf8');
      expect(() => runPromote({ from: 'staging', to: 'production', root, estate: { ...DEFAULT_ESTATE, teams: undefined }, resolveBranch: () => STAGING_HEAD }))
        .toThrow(/production: environment "production" images.spireServer.tag: .* would move from 1.13.3 .* to 1.15.2; .*fix: go through 1.14 first/);
      expect(read(root)).toEqual(before);
      expect(readFileSync(join(root, PROMOTION_STATE), 'utf8')).toBe(revisions);
    });
  });

  test('--record records an environment that tracks the branch; a pinned one is recorded only by promotion', () => {
    inRepository((root) => {
      writeFileSync(join(root, SPIRE_VERSIONS_STATE), JSON.stringify({ ...committed, development: { server: '1.14.5', agent: '1.14.5' } }));
      runRecord({ environment: 'development', root, estate: { ...DEFAULT_ESTATE, teams: undefined } });
      expect(read(root)).toEqual(committed);
      expect(() => runRecord({ environment: 'production', root, estate: { ...DEFAULT_ESTATE, teams: undefined } })).toThrow(/environment production deploys a pinned commit; its SPIRE versions are recorded by promoting into it/);
    });
  });

  test('recording keeps environments in name order', () => {
    const next = recordSpireVersions(DEFAULT_ESTATE, { staging: { server: '1.14.5', agent: '1.14.5' } }, ['development']);
    expect(Object.keys(next)).toEqual(['development', 'staging']);
  });

  test('npm run promote -- --record without an environment prints the usage', () => {
    const result = spawnSync('node', ['-r', './scripts/register-ts.js', 'scripts/promote.ts', '--record'], { cwd: join(__dirname, '..'), encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('npm run promote -- --record <env>');
  });
});
