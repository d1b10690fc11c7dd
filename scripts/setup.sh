#!/usr/bin/env bash
# Installs what Hotpatch Playground needs on Debian (run as root): system packages, then npm packages.
# Safe to run again: packages already present are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

# libunicorn2: the real Unicorn CPU emulator, reached from Node through koffi.
# gcc, clang-14, gcc-aarch64-linux-gnu: compile the corpus of real compiler output the tests run.
# chromium: the browser the page's end-to-end tests and benchmarks drive (never a downloaded one).
DEBIAN_PACKAGES=(libunicorn2 gcc clang-14 gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu chromium)

missing=()
for package in "${DEBIAN_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: these Debian packages are missing: ${missing[*]}; run this script as root" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # A fresh machine may have no package lists yet; refresh them only when the install needs it.
  if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
    apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
  fi
else
  echo "setup: Debian packages present (${DEBIAN_PACKAGES[*]})"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js 20 or newer is needed (found $(node --version))" >&2
  exit 1
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  echo "setup: npm packages up to date"
fi
