/**
 * Level examples: every example estate under examples/ is synthesized by the CLI, as a user would, into
 * a directory of its own, and every config its trees ship is judged by the real programs (the config
 * level: spire-server validate, spire-agent validate, each program's own start-up checks).
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { run as runCommand } from '../../lib/cli/main';
import { Io } from '../../lib/cli/io';
import { Report } from '../report';
import { clusterTrees } from '../trees';
import { configLevel } from './config';
import { PrerequisiteValues } from '../prerequisites';

const EXAMPLES = resolve(__dirname, '..', '..', 'examples');

export function exampleNames(): string[] {
  if (!existsSync(EXAMPLES)) return [];
  return readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(EXAMPLES, entry.name, 'estate.ts')))
    .map((entry) => entry.name)
    .sort();
}

/** Synthesizes one example with the CLI into `out`; its output lines are the report's on failure. */
export async function synthesizeExample(name: string, out: string): Promise<string | undefined> {
  const lines: string[] = [];
  const io: Io = { out: (text) => lines.push(text), err: (text) => lines.push(text), cwd: process.cwd() };
  const code = await runCommand(['synth', '--estate', join(EXAMPLES, name, 'estate.ts'), '--out', out], io);
  return code === 0 ? undefined : lines.join('\n');
}

export async function examplesLevel(report: Report, env: { workDir: string; binaries: Record<string, string>; values: PrerequisiteValues }): Promise<void> {
  for (const name of exampleNames()) {
    const out = join(env.workDir, 'examples', name);
    mkdirSync(out, { recursive: true });
    const failure = await synthesizeExample(name, out);
    if (!report.check('examples', failure === undefined, `examples/${name}`, 'spire-gitops synth', failure)) continue;
    const before = report.ran('configs');
    await configLevel(clusterTrees(out), report, { workDir: join(env.workDir, 'examples-work', name), binaries: env.binaries, values: env.values });
    // An example whose images match no program the e2e builds would pass with nothing judged.
    const judged = report.ran('configs') - before;
    report.check('examples', judged > 0, `examples/${name}`, 'the real programs judged its configs', `${judged} configs judged`);
  }
}
