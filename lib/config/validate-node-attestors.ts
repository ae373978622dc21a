import { ViolationDetails } from './violation';
import { EnvironmentConfig, VmNodeAttestor } from './types';
import { DNS_SUBDOMAIN, labelKeyProblem } from './validate-fields';
import { SPIRE_SERVER } from './spire-facts';

/*
 * The NodeAttestor options beyond each plugin's required keys, checked against what SPIRE v1.15.2 accepts
 * (each rule cites the buildConfig that `spire-server validate` runs) and against what this project demands
 * on top: an http_challenge hostname pattern that matches whole names only, a tpm_direct binary checked by its sha256.
 */

type Report = (details: ViolationDetails) => void;

/** The first privileged port, below which only root may listen (httpchallenge.go Attest: `Port >= 1024`). */
const FIRST_NON_ROOT_PORT = 1024;

/**
 * Constructs of JavaScript regular expressions that Go's regexp (RE2) refuses: look-around and
 * backreferences. Anything else JavaScript compiles, RE2 compiles too for the patterns hostnames need.
 */
const NOT_RE2 = /\(\?<?[=!]|\\[1-9]/;

function positiveInteger(report: Report, resource: string, field: string, value: number | undefined, spireRule: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value <= 0)) {
    report({ resource, field, value, rule: `must be a whole number greater than 0 (${spireRule})`, fix: 'give a positive whole number, or leave it out for SPIRE\'s default' });
  }
}

/** x509pop.go buildConfig: "max_intermediates must be greater than 0", "max_rsa_key_size must be greater than 0". */
function x509popLimits(report: Report, resource: string, field: string, attestor: { maxIntermediates?: number; maxRsaKeySize?: number }): void {
  positiveInteger(report, resource, `${field}.maxIntermediates`, attestor.maxIntermediates, 'SPIRE x509pop max_intermediates');
  positiveInteger(report, resource, `${field}.maxRsaKeySize`, attestor.maxRsaKeySize, 'SPIRE x509pop max_rsa_key_size');
}

/** Why `pattern` is not a hostname pattern this project accepts, or undefined. */
function dnsPatternProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
  } catch {
    return 'is not a regular expression (SPIRE compiles it with Go\'s regexp.Compile)';
  }
  if (NOT_RE2.test(pattern)) return 'uses look-around or a backreference, which Go\'s regexp refuses';
  // httpchallenge.go validateHostName: FindAllStringSubmatch, so an unanchored pattern matches anywhere in the name.
  if (!pattern.startsWith('^') || !pattern.endsWith('$') || pattern.endsWith('\\$')) {
    return 'is not anchored with ^ and $: SPIRE accepts a match anywhere in the hostname, so example\\.org would also admit example.org.attacker.net';
  }
  return undefined;
}

/** nodeattestor/httpchallenge/httpchallenge.go buildConfig and Attest. */
function httpChallenge(report: Report, resource: string, field: string, attestor: Extract<VmNodeAttestor, { type: 'http_challenge' }>): void {
  if (attestor.allowedDnsPatterns.length === 0) {
    report({
      resource, field: `${field}.allowedDnsPatterns`, value: [],
      rule: 'must list at least one pattern: without one SPIRE admits any hostname the server can reach',
      fix: 'list the VMs\' names, e.g. ^[a-z0-9-]+\\.vms\\.example\\.org$',
    });
  }
  for (const [index, pattern] of attestor.allowedDnsPatterns.entries()) {
    const problem = dnsPatternProblem(pattern);
    if (problem) report({ resource, field: `${field}.allowedDnsPatterns[${index}]`, value: pattern, rule: problem, fix: 'write a Go regular expression over the whole name, e.g. ^[a-z0-9-]+\\.vms\\.example\\.org$' });
  }
  const { requiredPort, allowNonRootPorts, tofu } = attestor;
  if (requiredPort !== undefined && (!Number.isInteger(requiredPort) || requiredPort < 1 || requiredPort > 65535)) {
    report({ resource, field: `${field}.requiredPort`, value: requiredPort, rule: 'is not a TCP port (1 to 65535)', fix: 'give the port the VM agents listen on, e.g. 80' });
  }
  if (requiredPort !== undefined && requiredPort >= FIRST_NON_ROOT_PORT && allowNonRootPorts === false) {
    // Attest refuses every port >= 1024 when allow_non_root_ports is false, so no agent could attest.
    report({
      resource, field: `${field}.allowNonRootPorts`, value: false,
      rule: `refuses ports from ${FIRST_NON_ROOT_PORT} up, and requiredPort ${requiredPort} is one: SPIRE would refuse every agent`,
      fix: `give a requiredPort below ${FIRST_NON_ROOT_PORT}, or leave allowNonRootPorts out`,
    });
  }
  // buildConfig: mustUseTOFU when the required port is unprivileged, or no port is required and unprivileged ports are allowed.
  const mustUseTofu = requiredPort !== undefined ? requiredPort >= FIRST_NON_ROOT_PORT : allowNonRootPorts !== false;
  if (tofu === false && mustUseTofu) {
    report({
      resource, field: `${field}.tofu`, value: false,
      rule: 'may be false only when agents answer on a privileged port (SPIRE: "you can not turn off trust on first use (TOFU) when non-root ports are allowed")',
      fix: `set requiredPort below ${FIRST_NON_ROOT_PORT}, or allowNonRootPorts false, or leave tofu out`,
    });
  }
}

/** SPIRE pkg/common/catalog/external.go buildSecureConfig: plugin_checksum is hex of a sha256, 32 bytes. */
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** spire-tpm-plugin v1.9.0 pkg/server/server.go Configure, and what the init container needs. */
function tpmDirect(report: Report, resource: string, field: string, attestor: Extract<VmNodeAttestor, { type: 'tpm_direct' }>): void {
  if (!SHA256_HEX.test(attestor.pluginChecksum)) {
    report({ resource, field: `${field}.pluginChecksum`, value: attestor.pluginChecksum, rule: 'is not a sha256 in hex (64 hex digits), which SPIRE demands of plugin_checksum', fix: 'give sha256sum of the plugin binary in the image' });
  }
  if (!attestor.caConfigMap && !attestor.hashesConfigMap) {
    report({
      resource, field: `${field}.caConfigMap`, value: undefined,
      rule: 'or hashesConfigMap is needed (the plugin: "either ca_path, hash_path, or both are required")',
      fix: 'name a ConfigMap of TPM manufacturer CAs, or one whose keys are the allowed endorsement key hashes',
    });
  }
  for (const key of ['caConfigMap', 'hashesConfigMap'] as const) {
    const name = attestor[key];
    if (name !== undefined && (!DNS_SUBDOMAIN.test(name) || name.length > 253)) {
      report({ resource, field: `${field}.${key}`, value: name, rule: 'is not a valid ConfigMap name', fix: 'use lowercase letters, digits, - and .' });
    }
  }
  const path = attestor.pluginPath;
  if (path !== undefined && (!path.startsWith('/') || path.split('/').includes('..'))) {
    report({ resource, field: `${field}.pluginPath`, value: path, rule: 'must be an absolute path in the image, without ..', fix: `give the binary's path, e.g. ${SPIRE_SERVER.tpmPluginImagePath}` });
  }
}

function labelKeys(report: Report, resource: string, field: string, keys: readonly string[] | undefined): void {
  const seen = new Set<string>();
  for (const [index, key] of (keys ?? []).entries()) {
    const problem = labelKeyProblem(key);
    if (problem) report({ resource, field: `${field}[${index}]`, value: key, rule: `is not a Kubernetes label key: it ${problem}`, fix: 'give a label key such as topology.kubernetes.io/zone' });
    if (seen.has(key)) report({ resource, field: `${field}[${index}]`, value: key, rule: 'is listed twice', fix: 'keep one' });
    seen.add(key);
  }
}

/** The node attestors' options of one environment. */
export function checkNodeAttestors(env: EnvironmentConfig, report: Report): void {
  const resource = `environment "${env.name}"`;
  const agents = env.agent.nodeAttestor;
  if (agents?.type === 'k8s_psat') {
    // psat.go ClusterConfig: the keys are looked up verbatim on the Node and the agent's pod.
    labelKeys(report, resource, 'agent.nodeAttestor.allowedNodeLabelKeys', agents.allowedNodeLabelKeys);
    labelKeys(report, resource, 'agent.nodeAttestor.allowedPodLabelKeys', agents.allowedPodLabelKeys);
  }
  if (agents?.type === 'x509pop') x509popLimits(report, resource, 'agent.nodeAttestor', agents);
  for (const [index, attestor] of (env.server.vmNodeAttestors ?? []).entries()) {
    const field = `server.vmNodeAttestors[${index}]`;
    if (attestor.type === 'x509pop') x509popLimits(report, resource, field, attestor);
    if (attestor.type === 'http_challenge') httpChallenge(report, resource, field, attestor);
    if (attestor.type === 'tpm_direct') tpmDirect(report, resource, field, attestor);
  }
}
