import { connectionString, quoteConnValue } from '../lib/render/libpq';
import { EstateValidationError, renderEstate } from '../lib/synth';
import { environment, estateWith, find } from './helpers/estate';

/**
 * A reader of key=value connection strings written from libpq's documented rules (whitespace separates
 * pairs; a value is bare up to whitespace, or in single quotes; a backslash takes the next character
 * literally in both), to check that what the renderer writes reads back as given.
 */
function readConnectionString(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  let i = 0;
  const skip = () => { while (i < text.length && /\s/.test(text[i])) i++; };
  for (;;) {
    skip();
    if (i >= text.length) return result;
    let key = '';
    while (i < text.length && text[i] !== '=' && !/\s/.test(text[i])) key += text[i++];
    skip();
    if (text[i] !== '=') throw new Error(`missing "=" after ${key}`);
    i++;
    skip();
    let value = '';
    if (text[i] === '\'') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted value');
        const character = text[i++];
        if (character === '\'') break;
        value += character === '\\' ? text[i++] : character;
      }
    } else {
      while (i < text.length && !/\s/.test(text[i])) {
        const character = text[i++];
        value += character === '\\' ? text[i++] : character;
      }
    }
    result[key] = value;
  }
}

/** The database password Secret is created out of band (for estates that say how Secrets arrive). */
const PASSWORD_SECRET_EXISTS: object = { secretDelivery: { type: 'prerequisite' } };

function serverConfOf(files: Map<string, string>, tree: string): string {
  return find(files, `${tree}/spire-server/configmap-spire-server.yaml`).data['server.conf'];
}

function connectionStringIn(serverConf: string): string {
  // The HCL string is JSON-quoted by the renderer.
  return JSON.parse(/connection_string = ("(?:[^"\\]|\\.)*")/.exec(serverConf)![1]);
}

describe('postgres connection strings', () => {
  test.each([
    ['plain', 'spire'],
    ['with a space', 'spire db'],
    ['with a quote', "o'brien"],
    ['with a backslash', 'dom\\user'],
    ['with both and an equals sign', "a\\'b=c d"],
    ['empty', ''],
  ])('a value %s reads back exactly as given', (_name, value) => {
    const text = connectionString([['user', value], ['dbname', 'spire'], ['host', 'db.example'], ['port', 5432]]);
    expect(readConnectionString(text)).toStrictEqual({ user: value, dbname: 'spire', host: 'db.example', port: '5432' });
  });

  test('plain values stay bare; others are quoted per libpq', () => {
    expect(quoteConnValue('spire')).toBe('spire');
    expect(quoteConnValue('a b')).toBe("'a b'");
    expect(quoteConnValue("it's")).toBe("'it\\'s'");
    expect(quoteConnValue('')).toBe("''");
  });

  test('the password never appears in the string: lib/pq reads PGPASSWORD, set from the existing Secret', () => {
    const files = renderEstate(estateWith('production', (env) => env));
    const serverConf = serverConfOf(files, 'production/prod-euw1');
    const pairs = readConnectionString(connectionStringIn(serverConf));
    expect(pairs).toStrictEqual({
      dbname: 'spire', user: 'spire', host: 'spire-db.eu-west-1.acme.example', port: '5432', sslmode: 'verify-full', sslrootcert: '/run/spire/db-ca/ca.crt',
    });
    expect(serverConf).not.toContain('${');
    const statefulSet = find(files, 'production/prod-euw1/spire-server/statefulset-spire-server.yaml');
    const server = statefulSet.spec.template.spec.containers[0];
    expect(server.env).toEqual([{ name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'spire-server-db', key: 'password' } } }]);
    expect(server.args).not.toContain('-expandEnv');
    const validate = find(files, 'production/prod-euw1/spire-server/job-spire-server-validate.yaml').spec.template.spec.containers[0];
    expect(validate.env).toEqual(server.env);
  });

  test('a user name with a space is quoted, never split into another keyword (it used to render unescaped)', () => {
    const files = renderEstate(estateWith('production', (env) => ({
      ...env,
      server: { ...env.server, datastore: { ...(env.server.datastore as any), user: 'spire sslmode=disable' } },
    })));
    const pairs = readConnectionString(connectionStringIn(serverConfOf(files, 'production/prod-euw1')));
    expect(pairs.user).toBe('spire sslmode=disable');
    expect(pairs.sslmode).toBe('verify-full');
  });

  test('sslmode defaults to verify-full in production and require elsewhere; never "undefined" (it used to render sslmode=undefined)', () => {
    const withoutSslMode = (name: string) => estateWith(name, (env) => {
      const database = { ...(environment('production').server.datastore as any), sslMode: undefined };
      return {
        ...env, gitops: { ...env.gitops, ...PASSWORD_SECRET_EXISTS },
        clusters: env.clusters.map((cluster) => ({ ...cluster, serverOverrides: undefined })), server: { ...env.server, replicas: 2, datastore: database },
      };
    });
    const production = renderEstate(withoutSslMode('production'));
    expect(readConnectionString(connectionStringIn(serverConfOf(production, 'production/prod-euw1'))).sslmode).toBe('verify-full');
    const staging = renderEstate(withoutSslMode('staging'));
    expect(readConnectionString(connectionStringIn(serverConfOf(staging, 'staging/stg-euw1'))).sslmode).toBe('require');
    expect(serverConfOf(staging, 'staging/stg-euw1')).not.toContain('undefined');
  });

  test('mysql keeps its password in the DSN through -expandEnv', () => {
    const files = renderEstate(estateWith('staging', (env) => ({
      ...env,
      gitops: { ...env.gitops, ...PASSWORD_SECRET_EXISTS },
      server: {
        ...env.server, replicas: 2,
        datastore: { type: 'mysql', host: 'mysql.db.svc', port: 3306, database: 'spire', user: 'spire', passwordSecret: { name: 'spire-db', key: 'password' }, maxOpenConns: 20, maxIdleConns: 5 },
      },
    })));
    const server = find(files, 'staging/stg-euw1/spire-server/statefulset-spire-server.yaml').spec.template.spec.containers[0];
    expect(server.args).toEqual(['-expandEnv', '-config', '/run/spire/config/server.conf']);
  });

  test('synth never throws anything but a named error for a bad database', () => {
    expect(() => renderEstate(estateWith('production', (env) => ({
      ...env, server: { ...env.server, datastore: { ...(env.server.datastore as any), host: 'db,evil' } },
    })))).toThrow(EstateValidationError);
  });
});
