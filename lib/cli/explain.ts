import { explain, formatExplanation, getsIdentityEverywhere } from '../plan/explain';
import { snapshotOfEstate } from '../plan/estates';
import { UsageError, parseArgs, parseLabels } from './args';
import { estateFromOptions, onlyEnvironments } from './estate-file';
import { EXIT, Io } from './io';

export const EXPLAIN_USAGE = `  explain <env> <namespace>/<serviceaccount> [--labels k=v,...] [--namespace-labels k=v,...] [--cluster NAME] [--estate FILE]
      which ClusterSPIFFEID gives such a pod its identity in each cluster of <env>: the exact SPIFFE ID,
      TTLs, federation (and where the partner's bundle comes from), or why none does; exit 0 when the pod
      gets an SVID in every cluster, 1 when not in some
`;

export function explainCommand(argv: readonly string[], io: Io): number {
  const args = parseArgs(argv, ['labels', 'namespace-labels', 'cluster', 'estate']);
  if (args.positional.length !== 2 || !/^[^/]+\/[^/]+$/.test(args.positional[1])) {
    throw new UsageError(`explain needs <env> <namespace>/<serviceaccount>, got ${JSON.stringify(args.positional.join(' '))}`);
  }
  const [environment, workload] = args.positional;
  const [namespace, serviceAccount] = workload.split('/');
  const labels = parseLabels(args.options.get('labels'), 'labels');
  const namespaceLabels = parseLabels(args.options.get('namespace-labels'), 'namespace-labels');
  // Only the environment asked about is rendered: its cluster trees do not depend on the others.
  const input = onlyEnvironments(estateFromOptions(args, io.cwd), [environment]);
  const cluster = args.options.get('cluster');
  const clusters = input.estate.environments.find((candidate) => candidate.name === environment)!.clusters.map((candidate) => candidate.name);
  if (cluster !== undefined && !clusters.includes(cluster)) {
    throw new UsageError(`--cluster ${cluster}: environment ${environment} has no such cluster (it has ${clusters.join(', ')})`);
  }
  const explanations = explain(snapshotOfEstate(input.estate, input.baseDir, input.environments), { environment, namespace, serviceAccount, labels, namespaceLabels, cluster });
  io.out(formatExplanation(explanations));
  return getsIdentityEverywhere(explanations) ? EXIT.ok : EXIT.failed;
}
