/*
 * The layers of lib/, lowest first: a file may import files of its own layer and of the layers below,
 * never of a layer above. test/architecture.test.ts reads this list, places every file of lib/ in the
 * layer whose path names it most closely (the file itself, else its nearest folder ending in `/`), and
 * fails on an upward import, on an import cycle, and on a file that no layer names. A new file goes in the layer of
 * its folder; a new folder needs a line here.
 */
export interface Layer {
  readonly name: string;
  /** What belongs here, so a newcomer can tell where a file goes. */
  readonly holds: string;
  /** Paths relative to the repository root: `lib/x/` is a folder, anything else one file. */
  readonly paths: readonly string[];
}

export const LAYERS: readonly Layer[] = [
  {
    name: 'facts',
    holds: 'the estate\'s types, pinned versions and images, every SPIRE fact, how a problem is worded',
    paths: [
      'lib/layers.ts', 'lib/config/schema.ts', 'lib/config/types.ts', 'lib/config/versions.ts', 'lib/config/spire-facts.ts', 'lib/config/violation.ts',
      'lib/config/go-url.ts', 'lib/config/federation-locks.ts', 'lib/config/topology.ts', 'lib/config/exposure.ts', 'lib/config/secrets.ts', 'lib/duration.ts', 'lib/identity/spiffe-id.ts',
    ],
  },
  {
    name: 'resolve',
    holds: 'defaults and every fact derived from the estate, computed once per cluster into a plain model',
    paths: ['lib/resolve/'],
  },
  {
    name: 'pure',
    holds: 'pure functions: config files (render), SPIFFE ID templates and the identity policy, GitOps rules',
    paths: [
      'lib/render/hcl.ts', 'lib/render/libpq.ts', 'lib/render/yaml.ts', 'lib/render/kustomization.ts',
      'lib/render/server-conf.ts', 'lib/render/agent-conf.ts', 'lib/render/mesh.ts', 'lib/render/oidc-conf.ts', 'lib/render/controller-manager-config.ts',
      'lib/identity/template.ts', 'lib/identity/policy.ts', 'lib/identity/team-files.ts', 'lib/admission/rules.ts',
      'lib/gitops/promotion.ts', 'lib/gitops/spire-upgrade.ts', 'lib/gitops/engines.ts', 'lib/gitops/sync-windows.ts', 'lib/gitops/secret-delivery.ts',
    ],
  },
  {
    name: 'estate',
    holds: 'the estate as written (the default estate) and its field-by-field validation',
    paths: ['lib/config/', 'lib/gitops/validate.ts', 'lib/estate/'],
  },
  {
    name: 'build',
    holds: 'cdk8s constructs that read the resolved model, and laying their objects out as files',
    paths: ['lib/build/', 'lib/spire/', 'lib/identity/', 'lib/admission/', 'lib/monitoring/', 'lib/gitops/', 'lib/render/inventory.ts', 'lib/render/trust-graph.ts', 'lib/render/codeowners.ts'],
  },
  {
    name: 'check',
    holds: 'rules over the built objects and the resolved model, every problem at once',
    paths: ['lib/check/'],
  },
  {
    name: 'write',
    holds: 'the only code that writes dist/, atomically, and compares a rendered tree with one on disk',
    paths: ['lib/write/', 'lib/tree-diff.ts'],
  },
  {
    name: 'pipeline',
    holds: 'the stages in order, and the entry points the scripts and tests import',
    paths: ['lib/pipeline.ts', 'lib/synth.ts'],
  },
  {
    name: 'commands',
    holds: 'what runs the pipeline or reads its output: plan, drift, promotion, the CLI, the policy case table',
    paths: ['lib/plan/', 'lib/cli/', 'lib/identity/policy-cases.ts', 'lib/gitops/promote-command.ts'],
  },
  {
    name: 'package',
    holds: 'the package\'s public API: re-exports only',
    paths: ['lib/index.ts'],
  },
];
