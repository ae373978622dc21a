#!/usr/bin/env bash
# Builds the real programs the e2e runs from their Go modules (e2e/go/<wrapper>/go.mod pins each one and
# go.sum locks every dependency) into a cache keyed by module, version and the wrapper's lock, so a second
# run builds nothing. Prints one line per program ("name path"), and each build's time on stderr.
#
# Cache: $SPIRE_GITOPS_BIN_CACHE, default ~/.cache/spire-gitops/bin. Go's own build cache makes a rebuild
# after a change of this recipe mostly a relink.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${SPIRE_GITOPS_BIN_CACHE:-$HOME/.cache/spire-gitops/bin}"
mkdir -p "$cache"

# name | wrapper | main package | module whose version names the build | cgo
programs=(
  "spire-server|spire|github.com/spiffe/spire/cmd/spire-server|github.com/spiffe/spire|1"
  "spire-agent|spire|github.com/spiffe/spire/cmd/spire-agent|github.com/spiffe/spire|1"
  "oidc-discovery-provider|spire|github.com/spiffe/spire/support/oidc-discovery-provider|github.com/spiffe/spire|1"
  # The previous minor release, for the upgrade level (servers before agents, on one datastore).
  "spire-server-previous|spire-previous|github.com/spiffe/spire/cmd/spire-server|github.com/spiffe/spire|1"
  "spire-agent-previous|spire-previous|github.com/spiffe/spire/cmd/spire-agent|github.com/spiffe/spire|1"
  "spire-controller-manager|controller-manager|github.com/spiffe/spire-controller-manager/cmd|github.com/spiffe/spire-controller-manager|0"
  "kube-apiserver|kubernetes|k8s.io/kubernetes/cmd/kube-apiserver|k8s.io/kubernetes|0"
  "etcd|etcd|go.etcd.io/etcd/server/v3|go.etcd.io/etcd/server/v3|0"
)
only="${1:-}"

for row in "${programs[@]}"; do
  IFS='|' read -r name wrapper pkg module cgo <<<"$row"
  if [ -n "$only" ] && [ "$only" != "$name" ]; then continue; fi
  dir="$here/go/$wrapper"
  version=$(cd "$dir" && go list -m -f '{{.Version}}' "$module")
  # The wrapper's lock and this recipe: a change to either builds again.
  lock=$(cat "$dir/go.mod" "$dir/go.sum" "$0" | sha256sum | cut -c1-12)
  goversion=$(go env GOVERSION)
  out="$cache/${module//\//_}@$version/$goversion-$lock/$name"
  if [ ! -x "$out" ]; then
    mkdir -p "$(dirname "$out")"
    # Static binaries, as the images ship them: the e2e runs each one in an otherwise empty root, and
    # Go's own resolver there reads only the /etc/hosts the e2e writes.
    ldflags="-s -w"
    tags="netgo,osusergo"
    if [ "$cgo" = 1 ]; then ldflags="$ldflags -linkmode external -extldflags -static"; fi
    if [ "$module" = k8s.io/kubernetes ]; then
      # kube-apiserver reports this as its version (/version, the compatibility version checks).
      minor=$(echo "$version" | cut -d. -f2)
      ldflags="$ldflags -X k8s.io/component-base/version.gitVersion=$version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
    fi
    start=$(date +%s)
    (cd "$dir" && CGO_ENABLED="$cgo" go build -trimpath -tags "$tags" -ldflags "$ldflags" -o "$out.tmp" "$pkg")
    mv "$out.tmp" "$out"
    echo "built $name $version in $(( $(date +%s) - start )) s" >&2
  fi
  echo "$name $out"
done
