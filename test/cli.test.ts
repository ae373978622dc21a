import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { run } from '../lib/cli/main';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { EstateConfig } from '../lib/config/types';
import { renderEstate } from '../lib/synth';
import { diffTree, readTree } from '../lib/tree-diff';
import { defaultFiles } from './helpers/estate';
import { hashTree } from './helpers/tree-hash';

/** The command run in-process in `cwd`, with what it printed. */
function cli(cwd: string, ...argv: string[]) {
  let out = '';
  let err = '';
  const code = run(argv, { out: (text) => { out += text; }, err: (text) => { err += text; }, cwd });
  return { code, out, err };
}

/** A small estate of its own: the default estate's development environment, renamed, with one cluster. */
const SMALL: EstateConfig = (() => {
  const development = DEFAULT_ESTATE.environments.find((environment) => environment.name === 'development')!;
  return {
    ...DEFAULT_ESTATE,
    pinnedRevisions: {},
    // The default estate's teams are granted its environments, which this one does not have: no teams,
    // so no team files are read.
    teams: undefined,
    environments: [{
      ...development,
      name: 'sandbox',
      trustDomain: 'sandbox.example.org',
      clusters: [{ name: 'sandbox-1', region: 'eu-central-1', apiServer: 'https://sandbox-1.k8s.example.org' }],
    }],
  };
})();

let work = '';
beforeEach(() => { work = mkdtempSync(join(tmpdir(), 'spire-gitops-cli-')); });
afterEach(() => rmSync(work, { recursive: true, force: true }));

const NO_STACK = /\n\s+at /;

describe('spire-gitops synth', () => {
  test('writes the default estate into --out and says what it wrote in one line', () => {
    const result = cli(work, 'synth', '--out', 'out');
    expect(result.code).toBe(0);
    expect(result.err).toBe('');
    expect(result.out).toMatch(/^synth: 4 cluster trees, 6 gitops trees, \d+ files in \d+\.\d s into out\/\n$/);
    expect(result.out).toContain(`${defaultFiles().size} files`);
    expect(diffTree(defaultFiles(), join(work, 'out'))).toEqual({ added: [], changed: [], removed: [] });
  });

  test('--check passes on a fresh tree and writes nothing', () => {
    cli(work, 'synth', '--out', 'out');
    const before = hashTree(join(work, 'out'));
    const result = cli(work, 'synth', '--out', 'out', '--check');
    expect([result.code, result.err]).toEqual([0, '']);
    expect(result.out).toMatch(/^synth --check: out\/ up to date \(4 cluster trees, 6 gitops trees, \d+ files\) in \d+\.\d s\n$/);
    expect(hashTree(join(work, 'out'))).toBe(before);
  });

  test('--check exits 1 listing a changed, an added and a removed file, and writes nothing', () => {
    cli(work, 'synth', '--out', 'out');
    const out = join(work, 'out');
    writeFileSync(join(out, 'development/dev-euw1/kustomization.yaml'), 'edited: by hand\n');
    unlinkSync(join(out, 'README.md'));
    mkdirSync(join(out, 'qa'));
    writeFileSync(join(out, 'qa/stray.yaml'), 'kind: Stray\n');
    const before = hashTree(out);
    const result = cli(work, 'synth', '--out', 'out', '--check');
    expect(result.code).toBe(1);
    expect(result.out).toBe([
      'changed  out/development/dev-euw1/kustomization.yaml',
      'added    out/README.md',
      'removed  out/qa/stray.yaml',
      '',
    ].join('\n'));
    expect(result.err).toBe('synth --check: 3 files differ from what the default estate (lib/config/estate.ts) synthesizes; run spire-gitops synth (npm run synth) and commit the result\n');
    expect(hashTree(out)).toBe(before);
  });

  test('--check of a directory that does not exist lists every file as added', () => {
    const result = cli(work, 'synth', '--out', 'nowhere', '--check', '--env', 'development');
    expect(result.code).toBe(1);
    expect(result.out.split('\n').filter(Boolean).every((line) => line.startsWith('added    nowhere/'))).toBe(true);
    expect(() => readTree(join(work, 'nowhere')).size).not.toThrow();
    expect(readTree(join(work, 'nowhere')).size).toBe(0);
  });

  test('--env keeps only those environments: their cluster trees and GitOps trees', () => {
    const result = cli(work, 'synth', '--out', 'out', '--env', 'development');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^synth: 1 cluster tree, 4 gitops trees, \d+ files in/);
    const trees = [...readTree(join(work, 'out')).keys()].filter((path) => path.endsWith('kustomization.yaml')).sort();
    expect(trees).toEqual([
      'development/dev-euw1/kustomization.yaml',
      'flux-bootstrap/development/dev-euw1/kustomization.yaml',
      'flux/development/dev-euw1/agents/kustomization.yaml',
      'flux/development/dev-euw1/crds/kustomization.yaml',
      'flux/development/dev-euw1/kustomization.yaml',
    ]);
    const both = cli(work, 'synth', '--out', 'two', '--env', 'staging', '--env', 'production');
    expect(both.out).toMatch(/^synth: 3 cluster trees, 2 gitops trees, /);
    const paths = [...readTree(join(work, 'two')).keys()];
    expect(paths.some((path) => path.startsWith('development/') || path.startsWith('flux'))).toBe(false);
    expect(readFileSync(join(work, 'two/argocd/kustomization.yaml'), 'utf8')).not.toContain('development');
  });

  test('an unknown --env is a usage error naming the environments there are', () => {
    expect(cli(work, 'synth', '--out', 'out', '--env', 'qa')).toEqual({
      code: 2, out: '', err: 'spire-gitops synth: --env qa: no such environment in the default estate (lib/config/estate.ts) (it has development, staging, production)\n',
    });
  });

  test('--env narrows what is written, never what is checked: a problem in another environment fails it', () => {
    const broken = { ...DEFAULT_ESTATE, environments: DEFAULT_ESTATE.environments.map((environment) => (
      environment.name === 'production' ? { ...environment, trustDomain: 'Not A Domain' } : environment)) };
    writeFileSync(join(work, 'broken.json'), JSON.stringify(broken));
    const result = cli(work, 'synth', '--estate', 'broken.json', '--out', 'out', '--env', 'development');
    expect([result.code, result.out]).toEqual([1, '']);
    expect(result.err).toMatch(/production: .*trustDomain/);
    expect(existsSync(join(work, 'out'))).toBe(false);
  });

  test('--env without --out is a usage error: it would replace dist/ with part of the estate', () => {
    const result = cli(work, 'synth', '--env', 'development');
    expect([result.code, result.out]).toEqual([2, '']);
    expect(result.err).toMatch(/^spire-gitops synth: --env renders part of the estate: give --out DIR/);
    expect(existsSync(join(work, 'dist'))).toBe(false);
  });

  test.each([
    ['estate.json', (estate: EstateConfig) => JSON.stringify(estate, null, 2)],
    ['estate.yaml', (estate: EstateConfig) => dump(estate, { noRefs: true })],
    ['estate.js', (estate: EstateConfig) => `module.exports = ${JSON.stringify(estate)};\n`],
    ['estate.mjs', (estate: EstateConfig) => `export const estate = ${JSON.stringify(estate)};\n`],
  ])('--estate %s synthesizes that estate: one kustomization per cluster, as rendering it in-process does', (file, write) => {
    writeFileSync(join(work, file), write(SMALL));
    const result = cli(work, 'synth', '--estate', file, '--out', 'dist');
    expect([result.code, result.err]).toEqual([0, '']);
    expect(result.out).toMatch(/^synth: 1 cluster tree, 4 gitops trees, /);
    expect(readFileSync(join(work, 'dist/sandbox/sandbox-1/kustomization.yaml'), 'utf8')).toMatch(/^apiVersion: kustomize.config.k8s.io\/v1beta1\n/);
    expect(diffTree(renderEstate(SMALL), join(work, 'dist'))).toEqual({ added: [], changed: [], removed: [] });
  });

  test('an estate whose checks fail exits 1 with every problem on stderr and leaves the out dir as it was', () => {
    cli(work, 'synth', '--out', 'dist', '--env', 'development');
    const before = hashTree(join(work, 'dist'));
    const broken = { ...SMALL, environments: [{ ...SMALL.environments[0], identities: [{ ...SMALL.environments[0].identities[0], ttl: '9h' }] }] };
    writeFileSync(join(work, 'broken.json'), JSON.stringify(broken));
    const result = cli(work, 'synth', '--estate', 'broken.json', '--out', 'dist');
    expect(result.code).toBe(1);
    expect(result.out).toBe('');
    expect(result.err).toBe([
      'spire-gitops synth: broken.json: the estate has 2 problems:',
      '  - sandbox/sandbox-1: SpireServer "spire-server" server.caTtl: must be at least 6 times the longest X509-SVID TTL (9h), or SPIRE shortens SVIDs, got "24h"; fix: raise server.caTtl in sandbox to 54h or more, or lower the identities\' ttl',
      '  - sandbox/sandbox-1: ClusterSPIFFEID "web-frontend" spec.ttl: must be at most 4h in sandbox (identityPolicy.maxTtl), got "9h"; fix: lower spec.ttl to 4h or less',
      'dist/ was left as it was.',
      '',
    ].join('\n'));
    expect(hashTree(join(work, 'dist'))).toBe(before);
  });
});

describe('--estate files that are not estates', () => {
  test.each([
    ['missing.yaml', 2, undefined, /^spire-gitops synth: --estate missing\.yaml: cannot read .*missing\.yaml \(ENOENT\)\n$/],
    ['estate.txt', 2, 'x', /^spire-gitops synth: --estate estate\.txt: expected a \.js, \.cjs, \.mjs, \.ts module or a \.json, \.yaml, \.yml file\n$/],
    ['bad.yaml', 1, 'environments:\n  - name: a\n   trustDomain: b\n', /^spire-gitops synth failed: cannot load the estate bad\.yaml: YAMLException: bad indentation of a sequence entry \(3:4\)\n$/],
    ['bad.json', 1, '{"environments": [', /^spire-gitops synth failed: cannot load the estate bad\.json: SyntaxError: .*JSON/],
    ['list.yaml', 1, '- a\n- b\n', /^spire-gitops synth failed: list\.yaml holds no estate: expected an object with an environments list, got an array; fix: put the estate at the top level of the file\n$/],
    ['throws.js', 1, 'throw new Error("no estate for you");\n', /^spire-gitops synth failed: cannot load the estate throws\.js: no estate for you\n$/],
    // The message is jest's here (it wraps modules); the command's own is checked below, on the real node.
    ['syntax.js', 1, 'module.exports = {\n', /^spire-gitops synth failed: cannot load the estate syntax\.js: SyntaxError: /],
    ['nothing.js', 1, 'exports.other = 1;\n', /^spire-gitops synth failed: nothing\.js holds no estate: expected an object with an environments list, got an object with other; fix: export it \(module\.exports = estate, export default estate, or export const estate\)\n$/],
    ['throws.mjs', 1, 'throw new TypeError("broken module");\n', /^spire-gitops synth failed: cannot load the estate throws\.mjs: TypeError: broken module\n$/],
  ])('%s exits %d', (file, code, content, message) => {
    if (content !== undefined) writeFileSync(join(work, file), content);
    const result = cli(work, 'synth', '--estate', file, '--out', 'dist');
    expect(result.err).toMatch(message as RegExp);
    expect(result.err).not.toMatch(NO_STACK);
    expect([result.code, result.out]).toEqual([code, '']);
    expect(readTree(join(work, 'dist')).size).toBe(0);
  });
});

describe('spire-gitops validate', () => {
  test('runs every check, writes nothing, exits 0 with a summary', () => {
    const result = cli(work, 'validate');
    expect([result.code, result.err]).toEqual([0, '']);
    expect(result.out).toMatch(/^validate: the default estate \(lib\/config\/estate\.ts\) is valid \(4 cluster trees, 6 gitops trees, \d+ files checked\) in \d+\.\d s\n$/);
    expect(readTree(work).size).toBe(0);
  });

  test('exits 1 naming each problem, and writes nothing', () => {
    const environment = SMALL.environments[0];
    const twice = { ...SMALL, environments: [{ ...environment, identities: [environment.identities[0], environment.identities[0]] }] };
    writeFileSync(join(work, 'twice.yaml'), dump(twice, { noRefs: true }));
    const result = cli(work, 'validate', '--estate', 'twice.yaml');
    expect([result.code, result.out]).toEqual([1, '']);
    expect(result.err).toBe('spire-gitops validate: twice.yaml: the estate has 1 problem:\n'
      + '  - sandbox/sandbox-1: ClusterSPIFFEID "web-frontend" metadata.name: is used twice in this environment; the second would overwrite the first, got "web-frontend"; fix: give each identity its own name\n');
    expect([...readTree(work).keys()]).toEqual(['twice.yaml']);
  });
});

describe('spire-gitops explain', () => {
  test('a pod an identity selects: the identity, exact SPIFFE ID, TTLs and federation per cluster; exit 0', () => {
    const result = cli(work, 'explain', 'production', 'edge/api-gateway', '--labels', 'app.kubernetes.io/name=api-gateway,gateway-tier=partner', '--cluster', 'prod-use1');
    expect([result.code, result.err]).toEqual([0, '']);
    expect(result.out).toMatch(/^production\/prod-use1: pod in edge as api-gateway with app\.kubernetes\.io\/name=api-gateway,gateway-tier=partner\n  spiffe:\/\/prod\.spire\.acme\.example\/ns\/edge\/sa\/api-gateway\/partner\n    from ClusterSPIFFEID api-gateway\n/);
    expect(result.out).toContain('    X509-SVID TTL 1h, JWT-SVID TTL 5m\n    federates with\n      payments.partner.example: bundle from https://spire-bundle.payments.partner.example (https_spiffe as spiffe://payments.partner.example/spire/server), ClusterFederatedTrustDomain payments-partner-example\n');
    expect(result.out).not.toContain('prod-euw1');
  });

  test('a pod no identity selects: why each does not; exit 1', () => {
    const result = cli(work, 'explain', 'development', 'kube-system/coredns');
    expect([result.code, result.err]).toEqual([1, '']);
    expect(result.out).toContain('development/dev-euw1: pod in kube-system as coredns\n  no identity: no ClusterSPIFFEID gives this pod an entry\n');
    expect(result.out).toContain('  not default-fallback: namespaceSelector does not select namespace kube-system\n');
  });

  test('an entry the pod\'s service account cannot match is not an identity: exit 1', () => {
    const result = cli(work, 'explain', 'staging', 'web/default', '--labels', 'app.kubernetes.io/name=web-frontend');
    expect(result.code).toBe(1);
    expect(result.out).toContain('NOT ISSUED: the entry selects k8s:sa:web-frontend but the pod runs as service account default');
  });

  test('explains an --estate file', () => {
    writeFileSync(join(work, 'estate.yaml'), dump(SMALL, { noRefs: true }));
    const result = cli(work, 'explain', 'sandbox', 'web/web-frontend', '--labels', 'app.kubernetes.io/name=web-frontend', '--estate', 'estate.yaml');
    expect(result.code).toBe(0);
    expect(result.out).toContain('sandbox/sandbox-1: pod in web as web-frontend with app.kubernetes.io/name=web-frontend\n  spiffe://sandbox.example.org/ns/web/sa/web-frontend\n');
  });

  test.each([
    [['explain', 'qa', 'web/x'], 'spire-gitops explain: --env qa: no such environment in the default estate (lib/config/estate.ts) (it has development, staging, production)\n'],
    [['explain', 'production', 'web/x', '--cluster', 'prod-xx1'], 'spire-gitops explain: --cluster prod-xx1: environment production has no such cluster (it has prod-euw1, prod-use1)\n'],
    [['explain', 'production', 'web'], 'spire-gitops explain: explain needs <env> <namespace>/<serviceaccount>, got "production web"\n'],
    [['explain', 'production', 'web/x', '--labels', 'app'], 'spire-gitops explain: --labels: expected key=value pairs separated by commas, got "app"\n'],
  ])('usage errors exit 2: %j', (argv, message) => {
    expect(cli(work, ...argv)).toEqual({ code: 2, out: '', err: message });
  });
});

describe('the command line', () => {
  test('an unknown command, option or no command is a usage error (exit 2); help is not', () => {
    const unknown = cli(work, 'synthesize');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^spire-gitops: unknown command "synthesize"\nusage: spire-gitops <command>/);
    expect(cli(work, 'synth', '--outdir', 'x')).toEqual({ code: 2, out: '', err: 'spire-gitops synth: unknown option --outdir (known: --estate --env --out --check)\n' });
    expect(cli(work, 'synth', '--check=yes').code).toBe(2);
    expect(cli(work).code).toBe(2);
    expect(cli(work, '--help').code).toBe(0);
  });

  test('the installed command exits with the same codes and prints no stack trace', () => {
    const bin = join(__dirname, '..', 'bin', 'spire-gitops.js');
    writeFileSync(join(work, 'throws.js'), 'null.estate;\n');
    const spawn = (...argv: string[]) => spawnSync(process.execPath, [bin, ...argv], { cwd: work, encoding: 'utf8' });
    const usage = spawn('synth', '--out', 'out', '--env', 'qa');
    expect([usage.status, usage.stdout]).toEqual([2, '']);
    expect(usage.stderr).toMatch(/^spire-gitops synth: --env qa: no such environment/);
    const broken = spawn('validate', '--estate', 'throws.js');
    expect([broken.status, broken.stdout]).toEqual([1, '']);
    expect(broken.stderr).toBe('spire-gitops validate failed: cannot load the estate throws.js: TypeError: Cannot read properties of null (reading \'estate\')\n');
    writeFileSync(join(work, 'syntax.js'), 'module.exports = {\n');
    const syntax = spawn('validate', '--estate', 'syntax.js');
    expect([syntax.status, syntax.stderr]).toEqual([1, `spire-gitops validate failed: cannot load the estate syntax.js: SyntaxError: Unexpected end of input (at ${join(work, 'syntax.js')}:2)\n`]);
    const ok = spawn('validate', '--env', 'development');
    expect([ok.status, ok.stderr]).toEqual([0, '']);
    expect(ok.stdout).toMatch(/^validate: the default estate \(lib\/config\/estate\.ts\) is valid \(1 cluster tree, 4 gitops trees, \d+ files checked\) in \d+\.\d s\n$/);
    expect(execFileSync('git', ['status', '--porcelain', '--', 'dist'], { cwd: join(__dirname, '..'), encoding: 'utf8' })).toBe('');
  });
});
