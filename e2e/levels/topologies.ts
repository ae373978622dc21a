/**
 * Level topologies: each topology's example estate synthesized by the CLI and run live on the real
 * programs from its own trees, one file per topology (e2e/levels/topology-<name>.ts).
 */
import { Report } from '../report';
import { federatedTopology } from './topology-federated';
import { haTopology } from './topology-ha';
import { TopologyEnv, topologyNested, topologyNestedManagement } from './topology-nested';

export async function topologiesLevel(report: Report, env: TopologyEnv): Promise<void> {
  await haTopology(report, env);
  await federatedTopology(report, env);
  await topologyNested(report, env);
  await topologyNestedManagement(report, env);
}
