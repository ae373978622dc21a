import { ClusterConfig, EnvironmentConfig } from '../config/types';
import { ImageCatalogue } from '../config/versions';

/** What every construct of one cluster's tree knows about where it is. */
export interface ClusterContext {
  readonly environment: EnvironmentConfig;
  readonly cluster: ClusterConfig;
  readonly images: ImageCatalogue;
}
