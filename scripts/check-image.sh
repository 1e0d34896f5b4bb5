#!/usr/bin/env bash
# Checks the container image as far as a machine without a Docker engine allows: builds the controller exactly as
# the Dockerfile's build stage does (release, --static-swift-stdlib), makes a minimal Debian 12 root filesystem with
# debootstrap holding only the runtime stage's packages, and runs the binary inside it (chroot) as the image's
# unprivileged user: `optimize` on an example and `run --help` must work there.
#
#   scripts/check-image.sh [WORKDIR]      (root; WORKDIR defaults to .build-image, reused between runs)
#
# Slow (a static release build and a debootstrap): not part of `make test`. See docs/kind.md.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-.build-image}
root="$work/rootfs"
runtime_packages=$(sed -n 's/.*apt-get install -y -qq --no-install-recommends \(.*\) \\$/\1/p' Dockerfile | tail -n 1)
[[ -n "$runtime_packages" ]] || { echo "check-image: cannot read the runtime stage's packages from the Dockerfile" >&2; exit 1; }

if [[ $(id -u) -ne 0 ]]; then echo "check-image: run as root (debootstrap and chroot)" >&2; exit 1; fi
command -v debootstrap >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
scripts/setup.sh

echo "check-image: static release build (as the Dockerfile's build stage)" >&2
swift build -c release --static-swift-stdlib --product inferno-controller --scratch-path "$work/build"
binary="$(swift build -c release --scratch-path "$work/build" --show-bin-path)/inferno-controller"

if [[ ! -x "$root/usr/bin/apt-get" ]]; then
  # The Debian mirror this machine's apt already uses.
  mirror=$(grep -hoE '^(URIs:|deb) +[^ ]+' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
           | awk '{print $2}' | grep -v security | head -n 1)
  echo "check-image: debootstrap bookworm with: ${runtime_packages}" >&2
  rm -rf "$root"
  debootstrap --variant=minbase --include="${runtime_packages// /,}" bookworm "$root" "$mirror" >"$work/debootstrap.log"
fi

install -D -m 0755 "$binary" "$root/usr/local/bin/inferno-controller"
# A container runtime mounts /proc; Foundation needs it (without it the binary stops on an illegal instruction).
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2>/dev/null || true' EXIT
install -D -m 0644 examples/small.json "$root/examples/small.json"
# What the binary links dynamically must all resolve inside the runtime filesystem.
missing=$(chroot "$root" /usr/bin/ldd /usr/local/bin/inferno-controller | grep 'not found' || true)
[[ -z "$missing" ]] || { echo "check-image: unresolved libraries in the runtime filesystem:" >&2; echo "$missing" >&2; exit 1; }
out=$(chroot --userspec=65532:65532 "$root" /usr/local/bin/inferno-controller optimize --system /examples/small.json)
echo "$out" | grep -q 'cost' || { echo "check-image: optimize printed no allocation:" >&2; echo "$out" >&2; exit 1; }
chroot --userspec=65532:65532 "$root" /usr/local/bin/inferno-controller run --help >/dev/null
echo "$out"
echo "check-image: ok — $(du -h "$binary" | cut -f1) static binary; optimize and run --help work in a bookworm root with only: ${runtime_packages}"
