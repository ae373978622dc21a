/**
 * Builds and runs test/go/template-oracle: Go's own text/template executing ClusterSPIFFEID templates
 * on the data spire-controller-manager gives them. The binary is cached under
 * ~/.cache/spire-gitops/template-oracle/<hash of go.mod, go.sum, main.go and the Go version>/, so
 * only the first run (or a change to the oracle) pays for `go build`.
 */
import { createHash } from 'crypto';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TemplateContext } from '../../lib/identity/template';

const ORACLE_DIR = path.join(__dirname, '..', 'go', 'template-oracle');

export interface OracleRequest { readonly template: string; readonly context: TemplateContext }
export type OracleResult = { readonly output: string } | { readonly parseError: string } | { readonly execError: string };

export function buildOracle(): string {
  let goVersion: string;
  try {
    goVersion = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('the template differential test needs Go (`go` on PATH) to build test/go/template-oracle');
  }
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(file).update(fs.readFileSync(path.join(ORACLE_DIR, file)));
  hash.update(goVersion);
  const cacheRoot = process.env.SPIRE_GITOPS_CACHE ?? path.join(os.homedir(), '.cache', 'spire-gitops');
  const binary = path.join(cacheRoot, 'template-oracle', hash.digest('hex').slice(0, 16), 'template-oracle');
  if (!fs.existsSync(binary)) {
    fs.mkdirSync(path.dirname(binary), { recursive: true });
    const temporary = `${binary}.${process.pid}.tmp`;
    // -mod=readonly: go.sum pins every module; a build that would change it fails instead.
    execFileSync('go', ['build', '-mod=readonly', '-trimpath', '-o', temporary, '.'], { cwd: ORACLE_DIR, stdio: ['ignore', 'inherit', 'inherit'] });
    fs.renameSync(temporary, binary);
  }
  return binary;
}

/** Runs every request through the oracle in one process; results come back in order. */
export function runOracle(binary: string, requests: readonly OracleRequest[]): OracleResult[] {
  const input = requests.map((request) => JSON.stringify(request)).join('\n') + '\n';
  const result = spawnSync(binary, [], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`template-oracle exited ${result.status}: ${result.stderr}`);
  const lines = result.stdout.split('\n').filter((line) => line.length > 0);
  if (lines.length !== requests.length) throw new Error(`template-oracle answered ${lines.length} of ${requests.length} requests`);
  return lines.map((line) => JSON.parse(line) as OracleResult);
}
