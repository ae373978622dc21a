#!/usr/bin/env bash
# What a platform team does with spire-gitops: install the package (the tarball `npm pack` makes, built by
# its prepack script) into a project of their own, describe their estate in a file there, and synthesize
# it with the installed command. Fails unless every cluster of that estate gets its kustomize tree, the
# tree is fresh by `synth --check`, and explain finds the team's identity.
set -euo pipefail
cd "$(dirname "$0")/.."

scratch=$(mktemp -d "${TMPDIR:-/tmp}/spire-gitops-consumer-XXXXXX")
trap 'rm -rf "$scratch"' EXIT

echo "packing (prepack builds build/package/ with tsc)"
tarball=$(npm pack --silent --pack-destination "$scratch" | tail -n 1)
echo "packed $tarball: $(tar -tzf "$scratch/$tarball" | wc -l) files"
if tar -tzf "$scratch/$tarball" | grep -E '\.ts$' | grep -v '\.d\.ts$'; then
  echo "the package ships TypeScript sources; only build/package/ (JavaScript and declarations) belongs in it"
  exit 1
fi

mkdir "$scratch/consumer"
cd "$scratch/consumer"
cat > package.json <<'EOF'
{ "name": "platform-identity", "version": "1.0.0", "private": true }
EOF
npm install --no-audit --no-fund --loglevel=error --save-exact "../$tarball"

# The platform's estate: one environment with one cluster and one identity, starting from the package's
# example estate for everything else, and one app team granted a namespace there.
cat > estate.js <<'EOF'
const { DEFAULT_ESTATE, namespaceServiceAccountId } = require('spire-gitops');

const example = DEFAULT_ESTATE.environments.find((environment) => environment.name === 'development');

module.exports = {
  ...DEFAULT_ESTATE,
  repository: { url: 'https://git.example.org/platform/identity.git', targetRevision: 'main' },
  pinnedRevisions: {},
  environments: [{
    ...example,
    name: 'sandbox',
    trustDomain: 'sandbox.example.org',
    clusters: [{ name: 'sandbox-1', region: 'eu-central-1', apiServer: 'https://sandbox-1.k8s.example.org' }],
    // The example's sample workload runs as one of its identities, which this estate does not have.
    sampleWorkload: 'orders',
    identities: [{
      name: 'orders',
      spiffeIDTemplate: namespaceServiceAccountId(),
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'orders' } },
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'orders' } },
      workloadSelectorTemplates: ['k8s:sa:orders'],
      ttl: '1h',
    }],
  }],
  platformOwners: ['@example/platform'],
  teams: [{ name: 'shop', owners: ['@example/shop'], namespaces: ['shop'], environments: ['sandbox'], federatesWith: [] }],
};
EOF

# The app team's request, read from identities/<environment>/<team>.yaml beside the estate file.
mkdir -p identities/sandbox
cat > identities/sandbox/shop.yaml <<'EOF'
- name: shop-cart
  namespace: shop
  serviceAccount: shop-cart
  podLabels:
    app.kubernetes.io/name: shop-cart
  x509Ttl: 1h
EOF

npx --no-install spire-gitops validate --estate estate.js
npx --no-install spire-gitops synth --estate estate.js --out dist

clusters=$(node -e "for (const e of require('./estate.js').environments) for (const c of e.clusters) console.log(e.name + '/' + c.name)")
for cluster in $clusters; do
  if [ ! -f "dist/$cluster/kustomization.yaml" ]; then
    echo "dist/$cluster/kustomization.yaml is missing: the installed spire-gitops did not synthesize cluster $cluster"
    exit 1
  fi
  echo "dist/$cluster/kustomization.yaml lists $(grep -c '^  - ' "dist/$cluster/kustomization.yaml") files"
done
npx --no-install spire-gitops synth --estate estate.js --out dist --check
npx --no-install spire-gitops explain sandbox orders/orders --labels app.kubernetes.io/name=orders --estate estate.js \
  | grep -F 'spiffe://sandbox.example.org/ns/orders/sa/orders'
npx --no-install spire-gitops explain sandbox shop/shop-cart --labels app.kubernetes.io/name=shop-cart --estate estate.js \
  | grep -F 'spiffe://sandbox.example.org/ns/shop/sa/shop-cart'
test -f dist/sandbox/sandbox-1/clusterspiffeid-shop-cart.yaml || { echo "the team file's identity is not in dist/"; exit 1; }
# A team file that grants itself admin is refused, naming the file and line.
printf '  admin: true\n' >> identities/sandbox/shop.yaml
if npx --no-install spire-gitops validate --estate estate.js 2> refused.txt; then
  echo "validate accepted a team file that sets admin"; exit 1
fi
grep -F 'identities/sandbox/shop.yaml:7:' refused.txt
echo "consumer check passed: $(echo "$clusters" | wc -w) cluster tree(s) synthesized by the installed package"
