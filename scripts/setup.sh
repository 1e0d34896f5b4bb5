#!/usr/bin/env bash
# Installs what Inferno needs on Debian/Ubuntu, skipping what is already there.
#   scripts/setup.sh          build and run: CBC's development package
#   scripts/setup.sh --test   also what the tests use: a Prometheus server (and promtool), openssl for test
#                             certificates, Python's jsonschema and yaml to validate the CRD against its samples,
#                             kubernetes-validate (PyPI) for the manifests against Kubernetes' schemas
set -euo pipefail

want=(coinor-libcbc-dev pkg-config)
if [[ "${1:-}" == "--test" ]]; then
  want+=(prometheus openssl python3-jsonschema python3-yaml)
fi

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# kubernetes-validate (PyPI): the manifests in deploy/ against Kubernetes' own schemas (ManifestSchemaTests).
if [[ "${1:-}" == "--test" ]] && ! command -v kubernetes-validate >/dev/null; then
  echo "setup: installing kubernetes-validate (PyPI)" >&2
  # Debian's own python3 refuses pip installs into the system (PEP 668) unless told; a pyenv or venv python does not.
  python3 -m pip install -q --disable-pip-version-check kubernetes-validate 2>/dev/null \
    || python3 -m pip install -q --disable-pip-version-check --break-system-packages kubernetes-validate
fi

if ! command -v swift >/dev/null; then
  echo "setup: the Swift toolchain (6.0 or later) is not on PATH; install it from swift.org first" >&2
  exit 1
fi
