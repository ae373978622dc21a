/**
 * Level topologies: each topology's example estate synthesized by the CLI and run live on the real
 * programs, one file per topology (e2e/levels/topology-<name>.ts).
 */
import { Report } from '../report';
import { TopologyEnv, topologyNested } from './topology-nested';

export async function topologiesLevel(report: Report, env: TopologyEnv): Promise<void> {
  await topologyNested(report, env);
}
