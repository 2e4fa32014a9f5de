#!/usr/bin/env bash
# Rebuilds every guest fixture from its source, next to that source, with real toolchains.
# The built .wasm files are committed: the tests load them, so neither CI nor a newcomer needs
# the toolchains. Run this after changing a fixture's source.
#
# Usage: guest-fixtures/build.sh            (installs missing toolchains with apt-get when root)
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
fixtures="$here/src/main/resources/fixtures"

# Installs the named Debian packages if any of them is missing (apt-get needs root).
install_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "build.sh: missing toolchain packages; install them with: apt-get install ${missing[*]}" >&2
    exit 2
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

install_packages clang lld wasi-libc libclang-rt-dev-wasm32

# C guests: clang + wasi-libc. Extension imports are declared in the source with
# import_module/import_name, since wasi-libc has no socket()/connect().
for src in "$fixtures"/c/*.c; do
  out="${src%.c}.wasm"
  echo "clang  $(basename "$src") -> $(basename "$out")"
  clang --target=wasm32-wasi -O2 -Wall -Wextra -Werror -s -o "$out" "$src"
done
