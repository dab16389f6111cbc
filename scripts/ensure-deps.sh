#!/usr/bin/env bash
# Installs the Debian packages this project needs, only when they are missing.
set -euo pipefail
# --tests: also what only the test suite needs (a real browser for the search page's test; OpenMPI for the
# data-parallel tests, which launch `mpirun -np 2`; a single-process run never needs libmpi)
packages=(dataset-fashion-mnist sentencepiece fonts-dejavu-core)
[[ "${1:-}" == "--tests" ]] && packages+=(chromium chromium-driver openmpi-bin libopenmpi-dev)
missing=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if (( ${#missing[@]} )); then
  echo "siglip2: installing Debian packages: ${missing[*]}" >&2
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq >&2 || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >&2
fi
