#!/usr/bin/env bash
# Renders the qa and prod overlays and validates every object against the Kubernetes
# OpenAPI schemas bundled in the `kubernetes-validate` package (offline: no cluster, no
# schema download). Rendering uses kubectl's built-in kustomize when present; otherwise the
# base is validated file by file and the overlays' patch targets are checked to exist.
set -euo pipefail
cd "$(dirname "$0")/k8s"
K8S_VERSION=1.32

if ! python3 -c 'import kubernetes_validate' 2>/dev/null; then
  python3 -m pip install --quiet --disable-pip-version-check kubernetes-validate
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if command -v kubectl >/dev/null 2>&1 && kubectl kustomize base >/dev/null 2>&1; then
  for o in overlays/qa overlays/prod; do
    kubectl kustomize "$o" > "$out/$(basename "$o").yaml"
  done
else
  echo "kubectl kustomize unavailable: validating base files; overlay patches checked by name"
  for f in base/*.yaml; do
    [ "$(basename "$f")" = kustomization.yaml ] || cp "$f" "$out/"
  done
  for o in overlays/*/kustomization.yaml; do
    for name in $(grep -E '^\s+name: belf-' "$o" | awk '{print $2}' | sort -u); do
      grep -q "name: $name" base/*.yaml || { echo "$o patches unknown object $name" >&2; exit 1; }
    done
  done
fi
python3 -m kubernetes_validate --strict --kubernetes-version "$K8S_VERSION" "$out"/*.yaml
echo "manifests valid"
