import { DEFAULT_ESTATE } from '../lib/config/estate';
import { defaultFiles } from './helpers/estate';

const files = defaultFiles();
const slice = (prefix: string) => Object.fromEntries([...files.entries()].filter(([path]) => path.startsWith(prefix)));

describe.each(DEFAULT_ESTATE.environments.map((env) => env.name))('%s output', (name) => {
  test('matches the snapshot', () => {
    expect(slice(`${name}/`)).toMatchSnapshot();
  });
});

test('Flux output matches the snapshot', () => {
  expect(slice('flux/')).toMatchSnapshot();
});

test('the inventory matches the snapshot', () => {
  expect(files.get('README.md')).toMatchSnapshot();
});
