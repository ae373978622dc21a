import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { EstateConfig } from '../lib/config/types';
import { PROMOTION_STATE, runPromote } from '../lib/gitops/promote-command';
import { promote } from '../lib/gitops/promotion';
import { renderEstate } from '../lib/synth';
import { defaultFiles, estateWith, find } from './helpers/estate';

const STAGING_HEAD = 'a'.repeat(40);
const files = defaultFiles();
const state = JSON.parse(readFileSync(join(__dirname, '..', PROMOTION_STATE), 'utf8'));
const gitSource = (application: any) => application.spec.sources.find((source: any) => source.path);

describe('production never tracks a branch head', () => {
  test('production Applications deploy the full commit recorded for production in the committed state file', () => {
    expect(state.production.revision).toMatch(/^[0-9a-f]{40}$/);
    for (const cluster of ['prod-euw1', 'prod-use1']) {
      expect(gitSource(find(files, `argocd/application-spire-production-${cluster}.yaml`)).targetRevision).toBe(state.production.revision);
    }
    expect(gitSource(find(files, 'argocd/application-spire-staging-stg-euw1.yaml')).targetRevision).toBe('main');
  });

  test('on Flux, a pinned environment\'s GitRepository names the commit, not a branch', () => {
    const onFlux = renderEstate(estateWith('production', (env) => ({ ...env, gitops: { ...env.gitops, engines: ['flux'], secretDelivery: { type: 'prerequisite' } } })));
    expect(find(onFlux, 'flux/production/prod-euw1/gitrepository-spire-gitops.yaml').spec.ref).toEqual({ commit: state.production.revision });
  });

  test('fails when a pinned environment has no recorded revision, or a name that could move', () => {
    const without: EstateConfig = { ...DEFAULT_ESTATE, pinnedRevisions: {} };
    expect(() => renderEstate(without)).toThrow(/production: environment "production" promotion\/revisions.json production.revision: must be a full 40-character commit id.*got "\(none\)"; fix: run npm run promote -- <from-env> production/);
    expect(() => renderEstate({ ...DEFAULT_ESTATE, pinnedRevisions: { production: 'main' } })).toThrow(/must be a full 40-character commit id: this environment never tracks a branch head, got "main"/);
  });
});

describe('promote <from-env> <to-env>', () => {
  test('records the commit the source environment runs as the target\'s revision', () => {
    const next = promote(DEFAULT_ESTATE, state, 'staging', 'production', (branch) => (branch === 'main' ? STAGING_HEAD : 'x'));
    expect(next.production).toEqual({ revision: STAGING_HEAD, promotedFrom: 'staging' });
  });

  test('refuses what is not a promotion', () => {
    const resolve = () => STAGING_HEAD;
    expect(() => promote(DEFAULT_ESTATE, state, 'qa', 'production', resolve)).toThrow(/unknown environment 'qa'; the estate has development, staging, production/);
    expect(() => promote(DEFAULT_ESTATE, state, 'staging', 'staging', resolve)).toThrow(/cannot promote staging to itself/);
    expect(() => promote(DEFAULT_ESTATE, state, 'staging', 'development', resolve)).toThrow(/environment development tracks main \(gitops.pinRevision is off\), so there is nothing to promote into/);
    expect(() => promote(DEFAULT_ESTATE, state, 'staging', 'production', () => 'abc123')).toThrow(/environment staging runs no recorded commit \(got abc123\)/);
  });

  test('writes the state file and dist/ so that the diff is the target\'s revision and nothing else', () => {
    const root = mkdtempSync(join(tmpdir(), 'spire-promote-'));
    try {
      cpSync(join(__dirname, '..', 'promotion'), join(root, 'promotion'), { recursive: true });
      const revision = runPromote({ from: 'staging', to: 'production', root, estate: DEFAULT_ESTATE, resolveBranch: () => STAGING_HEAD });
      expect(revision).toBe(STAGING_HEAD);
      expect(JSON.parse(readFileSync(join(root, PROMOTION_STATE), 'utf8')).production).toEqual({ revision: STAGING_HEAD, promotedFrom: 'staging' });
      const changed = [...files.keys()].filter((path) => readFileSync(join(root, 'dist', path), 'utf8') !== files.get(path));
      expect(changed).toEqual(['argocd/application-spire-production-prod-euw1.yaml', 'argocd/application-spire-production-prod-use1.yaml']);
      for (const path of changed) {
        expect(gitSource(parse(readFileSync(join(root, 'dist', path), 'utf8'))).targetRevision).toBe(STAGING_HEAD);
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('npm run promote without two environments prints the usage and changes nothing', () => {
    const result = spawnSync('node', ['-r', './scripts/register-ts.js', 'scripts/promote.ts', 'staging'], { cwd: join(__dirname, '..'), encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('usage: npm run promote -- <from-env> <to-env>');
    expect(execFileSync('git', ['status', '--porcelain', '--', PROMOTION_STATE], { cwd: join(__dirname, '..'), encoding: 'utf8' })).toBe('');
  });
});
