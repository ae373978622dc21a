import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_ESTATE } from '../lib/config/estate';
import { teamGrantProblems } from '../lib/config/team-identities';
import { CODEOWNERS_PATH, renderCodeowners } from '../lib/render/codeowners';

/* `npm run codeowners`: writes .github/CODEOWNERS from the estate (lib/render/codeowners.ts); a test keeps the committed file fresh. */
const problems = teamGrantProblems(DEFAULT_ESTATE);
if (problems.length > 0) {
  console.error(`codeowners failed: the teams have ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  process.exitCode = 1;
} else {
  const target = join(process.cwd(), CODEOWNERS_PATH);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, renderCodeowners(DEFAULT_ESTATE));
  console.log(`wrote ${CODEOWNERS_PATH}`);
}
