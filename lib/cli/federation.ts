import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readFederationLock, withBundleText } from '../config/bundle-files';
import { federationLockPath, lockText } from '../config/federation-locks';
import { parseEstate } from '../config/parse';
import { withInternalFederation } from '../config/topology';
import { EstateValidationError } from '../config/violation';
import { FederationSpec } from '../config/types';
import {
  BundleFetchError, EndpointTrust, SpiffeBundle, bundleChange, describeBundle, fetchBundleText, parseSpiffeBundle, x509Authorities,
} from '../plan/partner-bundle';
import { UsageError, parseArgs } from './args';
import { estateFromOptions } from './estate-file';
import { EXIT, Io } from './io';

export const FEDERATION_USAGE = `  federation fetch-bundle <trust-domain> [--env NAME] [--write] [--ca-file PEM] [--estate FILE]
      fetches a federation partner's current SPIFFE bundle from its bundle endpoint as SPIRE does
      (https_web: Web PKI, plus --ca-file's CAs; https_spiffe: the endpoint's X509-SVID must chain to the
      partner's current bundle, its lock file or the estate's, and name its endpointSPIFFEID; --ca-file
      gives the partner's CA, received out of band, only while there is neither), prints the keys for
      review and what changed against federation/<trust-domain>.bundle.json; --write writes that lock
      file (synth reads it as the partner's initial bundle); without --write, exit 1 when it differs
`;

/** The partner the command line names, from the one environment that has it or the --env one. */
function partnerOf(trustDomain: string, environments: readonly { name: string; federation: readonly FederationSpec[] }[], source: string): { environment: string; spec: FederationSpec } {
  const found = environments.flatMap((environment) => environment.federation
    .filter((spec) => spec.trustDomain === trustDomain)
    .map((spec) => ({ environment: environment.name, spec })));
  if (found.length === 0) {
    const known = [...new Set(environments.flatMap((environment) => environment.federation.map((spec) => spec.trustDomain)))].sort();
    throw new UsageError(`no federation partner ${JSON.stringify(trustDomain)} in ${source}${environments.length === 1 ? ` (environment ${environments[0].name})` : ''}; partners: ${known.join(', ') || 'none'}`);
  }
  const endpoint = (spec: FederationSpec) => JSON.stringify([spec.bundleEndpointURL, spec.profile]);
  if (new Set(found.map(({ spec }) => endpoint(spec))).size > 1) {
    throw new UsageError(`${trustDomain} has different bundle endpoints in ${found.map(({ environment }) => environment).join(', ')}: give --env NAME`);
  }
  return found[0];
}

/** How the endpoint is trusted: the partner's current bundle for https_spiffe, the Web PKI (and --ca-file) for https_web. */
function endpointTrust(spec: FederationSpec, environment: string, baseDir: string, locked: SpiffeBundle | undefined, caFile: string | undefined, cwd: string): { trust: EndpointTrust; from: string } {
  const caText = caFile === undefined ? undefined : (() => {
    try { return readFileSync(resolve(cwd, caFile), 'utf8'); } catch (error) { throw new UsageError(`--ca-file: cannot read ${caFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`); }
  })();
  if (spec.profile.type === 'https_web') {
    return { trust: { extraWebRoots: caText }, from: caText === undefined ? 'Web PKI roots' : `Web PKI roots and ${caFile}` };
  }
  let current = locked;
  let from = federationLockPath(spec.trustDomain);
  if (!current) {
    const filled = withBundleText(spec, environment, baseDir);
    if (filled.problems.length > 0) throw new EstateValidationError(filled.problems);
    if (filled.spec.trustDomainBundle !== undefined) {
      current = parseSpiffeBundle(filled.spec.trustDomainBundle, spec.trustDomain, 'the estate\'s trustDomainBundle');
      from = spec.trustDomainBundleFile ?? 'the estate\'s trustDomainBundle';
    }
  }
  if (current) {
    // The trust SPIRE has is the bundle it holds; a CA given beside it would widen that trust unseen.
    if (caText !== undefined) throw new UsageError(`--ca-file: ${spec.trustDomain} is https_spiffe and its current bundle (${from}) is what authenticates its endpoint; drop --ca-file`);
    return { trust: { spiffeRoots: x509Authorities(current) }, from };
  }
  if (caText === undefined) {
    throw new UsageError(`${spec.trustDomain} is https_spiffe and has no bundle yet (no ${federationLockPath(spec.trustDomain)}, no trustDomainBundle): give the partner's CA certificate, received from them out of band, as --ca-file PEM`);
  }
  let roots: X509Certificate[];
  try {
    roots = (caText.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((pem) => new X509Certificate(pem));
  } catch {
    throw new UsageError(`--ca-file ${caFile}: a certificate in it does not parse`);
  }
  if (roots.length === 0) throw new UsageError(`--ca-file ${caFile}: holds no PEM certificate`);
  return { trust: { spiffeRoots: roots }, from: caFile! };
}

/** Writes the lock file under this process's own name first, then renames it into place: never half a file. */
function writeLock(baseDir: string, path: string, text: string): void {
  const target = join(baseDir, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(`${target}.${process.pid}`, text);
  renameSync(`${target}.${process.pid}`, target);
}

async function fetchBundle(argv: readonly string[], io: Io): Promise<number> {
  const args = parseArgs(argv, ['env', 'ca-file', 'estate'], ['write']);
  if (args.positional.length !== 1) throw new UsageError(`federation fetch-bundle takes one trust domain, got ${args.positional.length === 0 ? 'none' : args.positional.join(' ')}`);
  const [trustDomain] = args.positional;
  if ((args.repeated.get('env') ?? []).length > 1) throw new UsageError('federation fetch-bundle takes one --env');
  const input = estateFromOptions(args, io.cwd);
  const parsed = parseEstate(input.estate);
  if (!parsed.ok) throw new EstateValidationError(parsed.problems);
  // The estate's own trust domains federate without being listed (withInternalFederation): their first lock is fetched here too.
  const environments = withInternalFederation(parsed.estate).environments.filter((environment) => !input.environments || input.environments.includes(environment.name));
  const { environment, spec } = partnerOf(trustDomain, environments, input.source);

  const lockPath = federationLockPath(spec.trustDomain);
  const lock = readFederationLock(spec.trustDomain, input.baseDir);
  if (lock?.error !== undefined) throw new BundleFetchError(`${lockPath}: cannot be read (${lock.error})`);
  const locked = lock?.text === undefined ? undefined : parseSpiffeBundle(lock.text, spec.trustDomain, lockPath);
  const { trust, from } = endpointTrust(spec, environment, input.baseDir, locked, args.options.get('ca-file'), io.cwd);

  const profile = spec.profile.type === 'https_spiffe' ? `https_spiffe as ${spec.profile.endpointSPIFFEID}` : 'https_web';
  io.out(`fetching ${spec.bundleEndpointURL} (${environment}, ${profile}, trusting ${from})\n`);
  const body = await fetchBundleText(spec, trust);
  const fetched = parseSpiffeBundle(body, spec.trustDomain, spec.bundleEndpointURL);
  const text = lockText(fetched);
  io.out(describeBundle(spec.trustDomain, fetched));

  const change = bundleChange(locked, fetched);
  const same = lock?.text === text;
  if (same) {
    io.out(`${lockPath}: unchanged\n`);
    return EXIT.ok;
  }
  const lines = [
    ...change.added.map((line) => `  + ${line}\n`),
    ...change.removed.map((line) => `  - ${line}\n`),
    ...change.members.map((line) => `  ~ ${line}\n`),
  ];
  const what = !locked ? 'no lock file yet' : lines.length === 0 ? 'same keys and members, laid out differently' : 'differs from the fetched bundle';
  io.out(`${lockPath}: ${what}\n${lines.join('')}`);
  if (!args.switches.has('write')) {
    io.err(`federation fetch-bundle: ${lockPath} is not the partner's current bundle; review the keys above and run with --write to update it\n`);
    return EXIT.failed;
  }
  writeLock(input.baseDir, lockPath, text);
  io.out(`wrote ${lockPath}\n`);
  if (spec.trustDomainBundleFile !== undefined || spec.trustDomainBundle !== undefined) {
    io.err(`federation fetch-bundle: ${environment}'s ${spec.trustDomain} still sets ${spec.trustDomainBundleFile !== undefined ? 'trustDomainBundleFile' : 'trustDomainBundle'}; remove it from the estate, synth refuses two sources of one bundle\n`);
  }
  return EXIT.ok;
}

const SUBCOMMANDS: Record<string, (argv: readonly string[], io: Io) => Promise<number>> = { 'fetch-bundle': fetchBundle };

/** `spire-gitops federation <subcommand>`; a fetch that fails or a bundle that is refused exits 1 with its reason. */
export async function federation(argv: readonly string[], io: Io): Promise<number> {
  const [subcommand, ...rest] = argv;
  const handler = subcommand !== undefined && Object.prototype.hasOwnProperty.call(SUBCOMMANDS, subcommand) ? SUBCOMMANDS[subcommand] : undefined;
  if (!handler) throw new UsageError(`federation needs a subcommand (${Object.keys(SUBCOMMANDS).join(', ')}), got ${subcommand === undefined ? 'none' : JSON.stringify(subcommand)}`);
  try {
    return await handler(rest, io);
  } catch (error) {
    if (!(error instanceof BundleFetchError)) throw error;
    io.err(`spire-gitops federation ${subcommand}: ${error.message}\n`);
    return EXIT.failed;
  }
}
