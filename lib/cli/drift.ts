import { readFileSync } from 'node:fs';
import { clusterOfEntries, driftReport, formatDrift, parseEntries } from '../plan/drift';
import { snapshotOfEstate } from '../plan/estates';
import { readClusterExport } from '../plan/workloads';
import { UsageError, parseArgs } from './args';
import { estateFromOptions } from './estate-file';
import { EXIT, Io } from './io';

export const DRIFT_USAGE = `  drift --entries entries.json [--env <env> --cluster <cluster>] [--pods cluster.json] [--estate FILE]
      compares spire-server entry show -output json with what the estate promises for that cluster;
      exit 0 without drift, 1 with drift
`;

export function drift(argv: readonly string[], io: Io): number {
  const args = parseArgs(argv, ['entries', 'env', 'cluster', 'pods', 'estate']);
  const { positional, options } = args;
  if (positional.length > 0) throw new UsageError(`drift takes no arguments, got ${positional.join(' ')}`);
  const path = options.get('entries');
  if (!path) throw new UsageError('drift needs --entries entries.json (spire-server entry show -output json)');
  if (options.has('env') !== options.has('cluster')) throw new UsageError('give both --env and --cluster, or neither (then the entries\' parent IDs name the cluster)');
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (error) { throw new UsageError(`--entries: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`); }
  const entries = parseEntries(text, path);
  const input = estateFromOptions({ options: args.options, repeated: new Map() }, io.cwd);
  const estate = snapshotOfEstate(input.estate, input.baseDir);
  const cluster = options.has('env')
    ? estate.clusters.find((candidate) => candidate.environment === options.get('env') && candidate.cluster === options.get('cluster'))
    : clusterOfEntries(estate, entries);
  if (!cluster) {
    throw new UsageError(options.has('env')
      ? `no cluster ${options.get('env')}/${options.get('cluster')} in ${input.source}`
      : 'the entries name no cluster of the estate (no k8s_psat parent ID of a known trust domain and cluster); give --env and --cluster');
  }
  const report = driftReport(cluster, entries, { estate, workloads: options.has('pods') ? readClusterExport(options.get('pods')!) : undefined });
  io.out(formatDrift(report));
  return report.missing.length + report.extra.length + report.different.length > 0 ? EXIT.failed : EXIT.ok;
}
