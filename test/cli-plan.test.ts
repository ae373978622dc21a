import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../lib/cli/main';

/** A clone of this repository's HEAD with the estate edited in its working tree (node_modules linked). */
describe('spire-gitops plan --base on a git checkout', () => {
  let clone = '';

  beforeAll(() => {
    const parent = mkdtempSync(join(tmpdir(), 'spire-gitops-cli-'));
    clone = join(parent, 'repo');
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', process.cwd(), clone]);
    symlinkSync(join(process.cwd(), 'node_modules'), join(clone, 'node_modules'));
    const estate = join(clone, 'lib', 'config', 'estate.ts');
    const text = readFileSync(estate, 'utf8');
    const from = "'web-frontend.{{ .PodMeta.Namespace }}.svc.{{ .ClusterDomain }}'";
    expect(text).toContain(from);
    writeFileSync(estate, text.replace(from, "'web.{{ .PodMeta.Namespace }}.svc.{{ .ClusterDomain }}'"));
  });

  afterAll(() => rmSync(join(clone, '..'), { recursive: true, force: true }));

  function plan(...args: string[]) {
    let out = '';
    let err = '';
    const code = run(['plan', ...args], { out: (text) => { out += text; }, err: (text) => { err += text; }, cwd: clone });
    return { code, out, err };
  }

  test('a production identity edit in the working tree exits 3 with a Markdown plan, and writes nothing', () => {
    const before = execFileSync('git', ['status', '--porcelain'], { cwd: clone, encoding: 'utf8' });
    const result = plan('--base', 'HEAD', '--format', 'markdown');
    expect([result.code, result.err]).toEqual([3, '']);
    expect(result.out).toMatch(/^## spire-gitops plan: HEAD \([0-9a-f]+\) -> working tree\n/);
    expect(result.out).toContain('### production/prod-euw1 (production)');
    expect(result.out).toContain('| ~ | ClusterSPIFFEID | web-frontend | `spec.dnsNameTemplates` | `["web-frontend.{{ .PodMeta.Namespace }}.svc.{{ .ClusterDomain }}"]` | `["web.{{ .PodMeta.Namespace }}.svc.{{ .ClusterDomain }}"]` |');
    expect(result.out).toContain('keeps spiffe://prod.spire.acme.example/ns/web/sa/web-frontend, entry changes: dnsNames: ["web-frontend.web.svc.cluster.local"] -> ["web.web.svc.cluster.local"]');
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: clone, encoding: 'utf8' })).toBe(before);
    expect(execFileSync('git', ['worktree', 'list'], { cwd: clone, encoding: 'utf8' }).trim().split('\n')).toHaveLength(1);
  });

  test('usage errors exit 2 on stderr, a ref that names no commit 1', () => {
    expect(plan()).toEqual({ code: 2, out: '', err: 'spire-gitops plan: plan needs --base <git-ref>\n' });
    expect(plan('--base', 'HEAD', '--format', 'html').err).toBe('spire-gitops plan: --format must be text or markdown, got "html"\n');
    const missing = plan('--base', 'nope-not-a-ref');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^spire-gitops plan failed: git ref "nope-not-a-ref" does not name a commit/);
  });
});
