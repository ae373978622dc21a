import { DEFAULT_ESTATE } from '../lib/config/estate';
import { defaultFiles } from './helpers/estate';

const files = defaultFiles();

describe.each(DEFAULT_ESTATE.environments.map((env) => env.name))('%s output', (name) => {
  test('matches the snapshot', () => {
    expect(Object.fromEntries([...files.entries()].filter(([path]) => path.startsWith(`${name}/`)))).toMatchSnapshot();
  });
});
