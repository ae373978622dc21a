/**
 * Level topologies: each topology's example estate synthesized by the CLI and run live from its own
 * trees, one function a topology (e2e/levels/topology-<name>.ts).
 */
import { Report } from '../report';
import { federatedTopology } from './topology-federated';
import { haTopology, TopologyEnv } from './topology-ha';

export async function topologiesLevel(report: Report, env: TopologyEnv): Promise<void> {
  await haTopology(report, env);
  await federatedTopology(report, env);
}
