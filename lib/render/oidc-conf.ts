import { SPIRE_HEALTH_PATHS } from '../config/spire-facts';

export interface OidcConfOptions {
  /** Host names served; requests for others are refused. */
  readonly domains: readonly string[];
  /** Must equal the server's jwt_issuer, or relying parties reject the tokens. */
  readonly jwtIssuer: string;
  readonly trustDomain: string;
  /** Workload API socket, as the provider's container sees it. */
  readonly socketPath: string;
  /** Plain HTTP, for a TLS-terminating ingress in front. */
  readonly httpPort: number;
  readonly healthPort: number;
  /**
   * The health listener's paths.
   * @default SPIRE_HEALTH_PATHS, SPIRE's own
   */
  readonly healthPaths?: { readonly live: string; readonly ready: string };
  /** @default 'INFO' */
  readonly logLevel?: string;
  /** None: SPIRE's default, text. */
  readonly logFormat?: string;
  /** `"use": "sig"` on every served key. */
  readonly setKeyUse?: boolean;
  /** Path under which the document and keys are served; the issuer must end in it. */
  readonly serverPathPrefix?: string;
  /** Absolute URL of the keys the document names instead of `<issuer>/keys`. */
  readonly jwksUri?: string;
}

/** Renders oidc-discovery-provider's HCL config. Pure: the same options always give the same text. */
export function renderOidcConf(options: OidcConfOptions): string {
  return [
    `domains = ${JSON.stringify([...options.domains])}`,
    `jwt_issuer = ${JSON.stringify(options.jwtIssuer)}`,
    `log_level = ${JSON.stringify(options.logLevel ?? 'INFO')}`,
    ...(options.logFormat ? [`log_format = ${JSON.stringify(options.logFormat)}`] : []),
    ...(options.setKeyUse ? ['set_key_use = true'] : []),
    ...(options.serverPathPrefix ? [`server_path_prefix = ${JSON.stringify(options.serverPathPrefix)}`] : []),
    ...(options.jwksUri ? [`jwks_uri = ${JSON.stringify(options.jwksUri)}`] : []),
    `insecure_addr = ":${options.httpPort}"`,
    '',
    'workload_api {',
    `  socket_path = ${JSON.stringify(options.socketPath)}`,
    `  trust_domain = ${JSON.stringify(options.trustDomain)}`,
    '}',
    '',
    'health_checks {',
    `  bind_port = "${options.healthPort}"`,
    `  live_path = ${JSON.stringify((options.healthPaths ?? SPIRE_HEALTH_PATHS).live)}`,
    `  ready_path = ${JSON.stringify((options.healthPaths ?? SPIRE_HEALTH_PATHS).ready)}`,
    '}',
    '',
  ].join('\n');
}
