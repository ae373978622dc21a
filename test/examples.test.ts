import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadEstateFile } from '../lib/cli/estate-file';
import { EstateValidationError, renderEstate } from '../lib/synth';
import { defaultEstate, problemsOf } from './helpers/estate';
import { exampleEstates } from './helpers/examples';

/*
 * Every example estate synthesizes as it is, has a README naming what to replace, and an example with a
 * placeholder left in fails synth naming the field.
 */

const examples = exampleEstates();

describe('example estates', () => {
  test.each(examples.map((example) => [example.name, example.file]))('%s synthesizes, one kustomization per cluster', (_name, file) => {
    const input = loadEstateFile(file, process.cwd());
    let files: Map<string, string>;
    try {
      files = renderEstate(input.estate, { baseDir: input.baseDir });
    } catch (error) {
      throw error instanceof EstateValidationError ? new Error(error.message) : error;
    }
    const clusters = input.estate.environments.flatMap((env) => env.clusters.map((cluster) => `${env.name}/${cluster.name}`));
    for (const cluster of clusters) expect(files.has(`${cluster}/kustomization.yaml`)).toBe(true);
  });

  test.each(examples.map((example) => [example.name, example.file]))('%s has a README that says what to replace', (_name, file) => {
    const readme = join(dirname(file), 'README.md');
    expect(existsSync(readme)).toBe(true);
    expect(readFileSync(readme, 'utf8')).toMatch(/replace/i);
  });
});

describe('placeholders', () => {
  test.each([
    ['<ACCOUNT_ID>', /^estate: the estate repository\.url: is still a placeholder in angle brackets, a value left for you to replace, got "https:\/\/git\.<ACCOUNT_ID>\.example\/x\.git"; fix: write your own value here/],
    ['CHANGE_ME', /^estate: the estate repository\.url: is still a placeholder word, .*got "https:\/\/git\.CHANGE_ME\.example\/x\.git"/],
  ])('a repository URL holding %s fails synth naming the field', (marker, message) => {
    const estate = { ...defaultEstate, teams: undefined, repository: { ...defaultEstate.repository, url: `https://git.${marker}.example/x.git` } };
    expect(problemsOf(estate)).toContainEqual(expect.stringMatching(message));
  });

  test('a placeholder inside an environment names the environment', () => {
    const env = defaultEstate.environments[1];
    const estate = { ...defaultEstate, teams: undefined, environments: [{ ...env, clusters: [{ ...env.clusters[0], apiServer: 'https://<CLUSTER_ENDPOINT>' }] }] };
    expect(problemsOf(estate)).toContainEqual(expect.stringMatching(/^staging: the estate environments\[0\]\.clusters\[0\]\.apiServer: is still a placeholder in angle brackets/));
  });
});
