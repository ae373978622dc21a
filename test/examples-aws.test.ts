import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

/*
 * examples/aws as a user runs it: the installed command synthesizes it into a directory of its own, and
 * what lands there is the EKS tree the example's README describes.
 */

const ROOT = join(__dirname, '..');

describe('examples/aws through spire-gitops synth --estate', () => {
  let out: string;
  beforeAll(() => { out = mkdtempSync(join(tmpdir(), 'spire-gitops-aws-example-')); });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test('synthesizes one EKS cluster tree with the AWS plugins and IRSA', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'spire-gitops.js'), 'synth', '--estate', 'examples/aws/estate.ts', '--out', out], { cwd: ROOT, encoding: 'utf8' });
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toMatch(/^synth: 1 cluster tree, 2 gitops trees, \d+ files in \d+\.\d s into /);
    const tree = join(out, 'production', 'eks-use1');
    const conf: string = parse(readFileSync(join(tree, 'spire-server', 'configmap-spire-server.yaml'), 'utf8')).data['server.conf'];
    for (const header of ['database_type "aws_postgres"', 'NodeAttestor "k8s_psat"', 'NodeAttestor "aws_iid"', 'KeyManager "aws_kms"', 'BundlePublisher "aws_s3"']) {
      expect(conf).toContain(header);
    }
    const account = parse(readFileSync(join(tree, 'spire-server', 'serviceaccount-spire-server.yaml'), 'utf8'));
    expect(account.metadata.annotations['eks.amazonaws.com/role-arn']).toBe('arn:aws:iam::111122223333:role/spire-server');
  });
});
