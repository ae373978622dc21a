import { parseDuration } from '../duration';
import { agentKeyManager, attestsOnce } from '../resolve/cloud';
import { SPIRE_AGENT } from './spire-facts';
import { EnvironmentConfig } from './types';
import { ViolationDetails, formatViolation } from './violation';

/*
 * The agent's workload attestation and bootstrap options of one environment (kubelet verification by host
 * certificate, the k8s and unix WorkloadAttestors' options, KeyManager, rebootstrap, bundle URL), refused
 * where spire-agent 1.15.2 would refuse them or where they would silently do nothing.
 */

/** Selectors the k8s attestor gives only from the workload container's status (k8s.go getSelectorValuesFromWorkloadContainerStatus). */
const CONTAINER_SELECTOR_PREFIXES = ['k8s:container-name:', 'k8s:container-image:'];

export function agentAttestationProblems(env: EnvironmentConfig, where: string): string[] {
  const problems: string[] = [];
  const report = (details: ViolationDetails) => problems.push(formatViolation(where, details));
  const resource = 'DaemonSet "spire-agent"';
  const agent = env.agent;
  const k8s = agent.workloadAttestors?.k8s;
  const unix = agent.workloadAttestors?.unix;

  const certPath = k8s?.kubeletServingCertHostPath;
  if (certPath !== undefined) {
    const field = 'agent.workloadAttestors.k8s.kubeletServingCertHostPath';
    const fileName = certPath.slice(certPath.lastIndexOf('/') + 1);
    if (agent.kubeletVerification !== 'hostCert') {
      report({ resource, field, value: certPath, rule: `is read only with kubeletVerification hostCert, not ${agent.kubeletVerification}`, fix: 'set kubeletVerification to hostCert, or leave the path out' });
    } else if (!certPath.startsWith('/') || certPath.split('/').some((part, index) => index > 0 && (part === '' || part === '.' || part === '..'))) {
      report({ resource, field, value: certPath, rule: 'is not an absolute, normalized file path on the node', fix: `write it like ${SPIRE_AGENT.kubeletServingCertHostPath}` });
    } else if (fileName.startsWith(SPIRE_AGENT.kubeletRotatedServingCertPrefix)) {
      report({
        resource, field, value: certPath,
        rule: 'is a rotated kubelet serving certificate, whose file also holds the kubelet\'s private key, which the agent must not read',
        fix: 'use kubeletVerification apiServerCA: the cluster CA signs rotated serving certificates',
      });
    }
  }

  // Entries that demand container selectors would never match an attested workload (k8s.go attestByPIDReference).
  if (k8s?.disableContainerSelectors) {
    for (const [index, identity] of env.identities.entries()) {
      for (const selector of identity.workloadSelectorTemplates ?? []) {
        if (CONTAINER_SELECTOR_PREFIXES.some((prefix) => selector.startsWith(prefix))) {
          report({
            resource: `ClusterSPIFFEID "${identity.name}"`, field: `identities[${index}].workloadSelectorTemplates`, value: selector,
            rule: 'needs a container selector, which the agent does not give with agent.workloadAttestors.k8s.disableContainerSelectors, so no workload would get this identity',
            fix: 'select by pod (k8s:sa, k8s:pod-label, ...) or turn disableContainerSelectors off',
          });
        }
      }
    }
  }

  if (unix === undefined) {
    for (const [index, identity] of env.identities.entries()) {
      for (const selector of identity.workloadSelectorTemplates ?? []) {
        if (selector.startsWith('unix:')) {
          report({
            resource: `ClusterSPIFFEID "${identity.name}"`, field: `identities[${index}].workloadSelectorTemplates`, value: selector,
            rule: 'is a unix selector, but the agents run no unix WorkloadAttestor, so no workload would get this identity',
            fix: 'add agent.workloadAttestors.unix, or drop the selector',
          });
        }
      }
    }
  } else {
    const limit = unix.workloadSizeLimit;
    if (limit !== undefined && !Number.isInteger(limit)) {
      // unix_posix.go Configuration: HCL decodes it into an int64.
      report({ resource, field: 'agent.workloadAttestors.unix.workloadSizeLimit', value: limit, rule: 'must be a whole number of bytes', fix: 'set a byte count, 0 for no limit, or a negative number for no digest' });
    } else if (limit !== undefined && !unix.discoverWorkloadPath) {
      // unix_posix.go Attest: the size limit is read only when the workload's path is discovered.
      report({ resource, field: 'agent.workloadAttestors.unix.workloadSizeLimit', value: limit, rule: 'is read only with discoverWorkloadPath, so it would do nothing', fix: 'set discoverWorkloadPath: true, or leave the limit out' });
    }
  }

  const onceOnly = attestsOnce(agent.nodeAttestor);
  if (onceOnly && agentKeyManager(agent) === 'memory') {
    report({
      resource, field: 'agent.keyManager', value: agent.keyManager,
      rule: `loses the agent's key with its pod, and the server admits a ${agent.nodeAttestor?.type} node once only, so a restarted agent could not attest again`,
      fix: 'use disk, or leave keyManager out',
    });
  }

  const mode = agent.rebootstrapMode;
  if (mode === 'always' && onceOnly) {
    // agent.go Run: "you have requested rebootstrap support but the NodeAttestor plugin ... is not allowing it".
    report({
      resource, field: 'agent.rebootstrapMode', value: mode,
      rule: `makes spire-agent refuse to start, since ${agent.nodeAttestor?.type} cannot attest a node again`,
      fix: 'use never (or auto, which SPIRE then turns off)',
    });
  }
  const delay = agent.rebootstrapDelay;
  if (delay !== undefined) {
    if (parseDuration(delay) === undefined) {
      report({ resource, field: 'agent.rebootstrapDelay', value: delay, rule: 'is not a Go duration', fix: 'write it like 10m or 1h' });
    } else if (mode === undefined || mode === 'never') {
      report({ resource, field: 'agent.rebootstrapDelay', value: delay, rule: 'is read only when the agent rebootstraps, so it would do nothing', fix: 'set rebootstrapMode to auto or always, or leave the delay out' });
    }
  }

  const bundleUrl = agent.trustBundleUrl?.url;
  if (bundleUrl !== undefined) {
    const field = 'agent.trustBundleUrl.url';
    let url: URL | undefined;
    try {
      url = new URL(bundleUrl);
    } catch {
      report({ resource, field, value: bundleUrl, rule: 'is not a URL', fix: 'write it like https://bundle.example.org/bundle.spiffe' });
    }
    if (url && url.protocol !== 'https:') {
      // run.go validateConfig: "trust bundle URL must start with https://" (http only through trust_bundle_unix_socket, not offered).
      report({
        resource, field, value: bundleUrl,
        rule: 'is not https: a bundle fetched in the clear lets anyone on the path choose the server every agent trusts',
        fix: 'serve the bundle over https, or leave trustBundleUrl out to use the bundle ConfigMap',
      });
    } else if (url && (url.username !== '' || url.password !== '')) {
      report({ resource, field, value: `${url.protocol}//${url.host}${url.pathname}`, rule: 'carries user info, which would put a credential in Git', fix: 'serve the bundle without credentials: it is public' });
    }
  }
  return problems;
}
