import { formatDuration, parseDuration } from '../duration';
import { spiffeIdProblem } from '../identity/policy';
import { ISTIO, SPIRE_AGENT } from './spire-facts';
import { EnvironmentConfig } from './types';
import { ViolationDetails, formatViolation } from './violation';

/*
 * The agent options and the mesh preset of one environment, checked as spire-agent 1.15.2 checks them
 * when it loads its config (cmd/spire-agent/cli/run/run.go NewAgentConfig), plus what must agree between
 * SPIRE and the mesh.
 */

/** availability_target's floor (run.go minimumAvailabilityTarget). */
const MINIMUM_AVAILABILITY_TARGET_MS = 24 * 3600_000;
/**
 * An X509-SVID must outlive the availability target by this much, or the agent renews it as soon as it
 * gets it (SPIRE doc/spire_agent.md, Availability Target: the grace period must be at least 12h).
 */
const AVAILABILITY_GRACE_MS = 12 * 3600_000;

export function agentAndMeshProblems(env: EnvironmentConfig, where: string): string[] {
  const problems: string[] = [];
  const report = (details: ViolationDetails) => problems.push(formatViolation(where, details));
  const resource = 'DaemonSet "spire-agent"';
  const agent = env.agent;

  const sds = agent.sds;
  if (sds) {
    for (const key of ['defaultSvidName', 'defaultBundleName', 'defaultAllBundlesName'] as const) {
      const value = sds[key];
      if (value !== undefined && (typeof value !== 'string' || value.trim() === '')) {
        report({ resource, field: `agent.sds.${key}`, value, rule: 'must be a non-empty SDS resource name', fix: 'name the resource, or leave the key out for SPIRE\'s default' });
      }
    }
    // run.go NewAgentConfig: equal names make SPIRE ignore default_all_bundles_name (a warning today, an error to come).
    const bundle = sds.defaultBundleName ?? SPIRE_AGENT.sdsDefaults.bundle;
    const allBundles = sds.defaultAllBundlesName ?? SPIRE_AGENT.sdsDefaults.allBundles;
    if (bundle === allBundles) {
      report({ resource, field: 'agent.sds.defaultAllBundlesName', value: allBundles, rule: 'equals defaultBundleName, so SPIRE would ignore it', fix: 'give the two resources different names' });
    }
  }

  const delegates = agent.adminSocket?.authorizedDelegates ?? [];
  const seen = new Set<string>();
  for (const [index, delegate] of delegates.entries()) {
    const field = `agent.adminSocket.authorizedDelegates[${index}]`;
    // run.go NewAgentConfig: each one must be an ID of the agent's trust domain (idutil.MemberFromString).
    const problem = spiffeIdProblem(delegate);
    if (problem) {
      report({ resource, field, value: delegate, rule: `is not a SPIFFE ID: ${problem}`, fix: `write it like spiffe://${env.trustDomain}/ns/<namespace>/sa/<service account>` });
    } else if (delegate.slice('spiffe://'.length).split('/')[0] !== env.trustDomain) {
      report({ resource, field, value: delegate, rule: `is not in the environment's trust domain ${env.trustDomain}, which SPIRE refuses`, fix: `use an ID under spiffe://${env.trustDomain}/` });
    }
    if (seen.has(delegate)) report({ resource, field, value: delegate, rule: 'is listed twice', fix: 'keep one' });
    seen.add(delegate);
  }

  const cacheSize = agent.x509SvidCacheMaxSize;
  if (cacheSize !== undefined && (!Number.isInteger(cacheSize) || cacheSize < 0)) {
    // run.go: "x509_svid_cache_max_size should not be negative"; HCL decodes it into an int.
    report({ resource, field: 'agent.x509SvidCacheMaxSize', value: cacheSize, rule: 'must be a whole number, 0 or more', fix: 'set a number of SVIDs such as 1000, or leave it out' });
  }

  const target = agent.availabilityTarget;
  if (target !== undefined) {
    const targetMs = parseDuration(target);
    if (targetMs === undefined) {
      report({ resource, field: 'agent.availabilityTarget', value: target, rule: 'is not a Go duration', fix: 'write it like 24h or 36h' });
    } else if (targetMs < MINIMUM_AVAILABILITY_TARGET_MS) {
      report({ resource, field: 'agent.availabilityTarget', value: target, rule: 'must be at least 24h (SPIRE refuses less)', fix: 'set 24h or more, or leave it out' });
    } else {
      const ttls: [string, string | undefined][] = [
        ['server.defaultX509SvidTtl', env.server.defaultX509SvidTtl],
        ...env.identities.map((identity, index): [string, string | undefined] => [`identities[${index}].ttl`, identity.ttl]),
      ];
      for (const [field, ttl] of ttls) {
        const ttlMs = ttl === undefined ? undefined : parseDuration(ttl);
        if (ttlMs !== undefined && ttlMs < targetMs + AVAILABILITY_GRACE_MS) {
          report({
            resource, field, value: ttl,
            rule: `is shorter than agent.availabilityTarget ${target} plus the 12h grace SPIRE needs, so every SVID would be renewed as soon as it is issued`,
            fix: `give X509-SVIDs at least ${formatDuration(targetMs + AVAILABILITY_GRACE_MS)}, or lower or drop availabilityTarget`,
          });
        }
      }
    }
  }

  const mesh = env.mesh;
  if (mesh?.type === 'istio') {
    const meshResource = 'mesh "istio"';
    if (mesh.meshTrustDomain !== undefined && mesh.meshTrustDomain !== env.trustDomain) {
      report({
        resource: meshResource, field: 'mesh.meshTrustDomain', value: mesh.meshTrustDomain,
        rule: `differs from the environment's trust domain ${env.trustDomain}: Istio would refuse every peer's SPIFFE ID`,
        fix: `set meshConfig.trustDomain to ${env.trustDomain} in Istio (and here), or leave meshTrustDomain out and apply the rendered istiod values`,
      });
    }
    // Istio's proxy asks SDS for these names and no others (istio pkg/security/security.go).
    const asked: [string, string | undefined, string][] = [
      ['agent.sds.defaultSvidName', sds?.defaultSvidName, ISTIO.sdsCertificateResource],
      ['agent.sds.defaultBundleName', sds?.defaultBundleName, ISTIO.sdsRootResource],
    ];
    for (const [field, value, expected] of asked) {
      if (value !== undefined && value !== expected) {
        report({ resource: meshResource, field, value, rule: `must be "${expected}", the SDS resource Istio's proxy asks for`, fix: `set it to "${expected}" or leave it out` });
      }
    }
    if (sds?.disableSpiffeCertValidation) {
      report({ resource: meshResource, field: 'agent.sds.disableSpiffeCertValidation', value: true, rule: 'would hand Istio plain CAs instead of SPIFFE validation, so peers are no longer checked by SPIFFE ID', fix: 'leave it false with Istio' });
    }
  }
  if (mesh?.type === 'envoy' && (typeof mesh.namespace !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(mesh.namespace) || mesh.namespace.length > 63)) {
    report({ resource: 'mesh "envoy"', field: 'mesh.namespace', value: mesh.namespace, rule: 'is not a namespace name', fix: 'use the DNS label of the namespace the Envoy workloads run in' });
  }
  return problems;
}
