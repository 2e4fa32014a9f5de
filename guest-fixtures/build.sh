#!/usr/bin/env bash
# Rebuilds every guest fixture from its source, next to that source, with real toolchains.
# The built .wasm files are committed: the tests load them, so neither CI nor a newcomer needs
# the toolchains. Run this after changing a fixture's source.
#
# Usage: guest-fixtures/build.sh            (installs missing toolchains with apt-get when root,
#                                            and the AssemblyScript compiler with npm)
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

install_packages clang lld wasi-libc libclang-rt-dev-wasm32 rustc libstd-rust-dev-wasm32 \
  cargo librust-tokio-dev patch

# Go 1.23 comes from Debian's bookworm-backports suite.
if ! dpkg -s golang-1.23-go >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "build.sh: golang-1.23-go is missing; install it from bookworm-backports" >&2
    exit 2
  fi
  echo "deb http://deb.debian.org/debian bookworm-backports main" \
    >/etc/apt/sources.list.d/bookworm-backports.list
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports golang-1.23-go >/dev/null
fi

# C guests: clang + wasi-libc. Extension imports are declared in the source with
# import_module/import_name, since wasi-libc has no socket()/connect().
# The stack goes first in memory, below the data: a stack that overflows then traps (address < 0)
# instead of writing over the guest's static data, as wasm-ld's default layout lets it.
for src in "$fixtures"/c/*.c; do  # headers (*.h) beside them are shared
  out="${src%.c}.wasm"
  stack=()
  case "$(basename "$src")" in
    # wasi-libc's poll() keeps its subscriptions and events on the stack, 80 bytes for each of
    # up to 2 x 16,385 descriptors: 2.6 MiB, where the default stack is 64 KiB.
    poll_echo_server.c) stack=(-Wl,-z,stack-size=4194304) ;;
  esac
  echo "clang  $(basename "$src") -> $(basename "$out")"
  clang --target=wasm32-wasi -O2 -Wall -Wextra -Werror -s -Wl,--stack-first "${stack[@]}" \
    -o "$out" "$src"
done

# Rust guests: Debian's rustc, which has the wasm32-wasi std (rustup's rustc, often first on
# PATH, has no wasm target).
for src in "$fixtures"/rust/*.rs; do
  out="${src%.rs}.wasm"
  echo "rustc  $(basename "$src") -> $(basename "$out")"
  # Paths are remapped so the .wasm is the same whichever folder the clone is in.
  /usr/bin/rustc --edition 2021 --target wasm32-wasi -O -C strip=debuginfo \
    --remap-path-prefix="$fixtures=fixtures" --remap-path-prefix="$HOME=~" -o "$out" "$src"
done

# Rust cargo guests: one folder each in the workspace rust/Cargo.toml (pinned by rust/Cargo.lock),
# built by Debian's cargo offline from Debian's crate sources (librust-*-dev, in
# /usr/share/cargo/registry) as a `directory` source. Debian's mio loses its WASI dependencies in
# packaging: a copy of it gets them back (rust/crates/mio-0.8.4-wasi.patch), and `wasi`, which
# Debian lacks, is our own subset (rust/crates/wasi, through the workspace's [patch.crates-io]).
registry=/usr/share/cargo/registry
work="$(mktemp -d)"
mkdir "$work/vendor" "$work/cargo-home"
for crate in "$registry"/*/; do
  ln -s "${crate%/}" "$work/vendor/"
done
rm "$work/vendor/mio-0.8.4"
cp -r "$registry/mio-0.8.4" "$work/vendor/"
patch -s -p1 -d "$work/vendor/mio-0.8.4" <"$fixtures/rust/crates/mio-0.8.4-wasi.patch"
printf '[source.crates-io]\nreplace-with = "debian"\n\n[source.debian]\ndirectory = "%s"\n' \
  "$work/vendor" >"$work/cargo-home/config.toml"
# Paths are remapped, so the .wasm is the same whichever folder the clone and this temporary
# build are in. tokio 1.24 has its net feature on WASI behind `--cfg tokio_unstable`. (Cargo
# takes the flags joined by 0x1f, so a path with spaces stays one flag.)
rustflags=(--cfg tokio_unstable "--remap-path-prefix=$work=build"
  "--remap-path-prefix=$registry=vendor" "--remap-path-prefix=$fixtures=fixtures")
echo "cargo  rust/Cargo.toml workspace"
# --locked: exactly the crates Cargo.lock pins (another Debian version fails here instead of
# building something else).
(cd "$fixtures/rust" && CARGO_HOME="$work/cargo-home" CARGO_TARGET_DIR="$work/target" \
  RUSTC=/usr/bin/rustc CARGO_ENCODED_RUSTFLAGS="$(IFS=$'\x1f' && echo "${rustflags[*]}")" \
  /usr/bin/cargo build --quiet --release --offline --locked --target wasm32-wasi --workspace)
for main in "$fixtures"/rust/*/src/main.rs; do
  name="$(basename "$(dirname "$(dirname "$main")")")"
  echo "       -> $name.wasm"
  cp "$work/target/wasm32-wasi/release/$name.wasm" "$fixtures/rust/$name.wasm"
done
rm -rf "$work"

# Go guests: one module per folder, std only.
for dir in "$fixtures"/go/*/; do
  name="$(basename "$dir")"
  echo "go     $name -> $name.wasm"
  (cd "$dir" && GOOS=wasip1 GOARCH=wasm GOFLAGS="-trimpath -buildvcs=false" GOCACHE="${TMPDIR:-/tmp}/wasi-sockets-gocache" \
    /usr/lib/go-1.23/bin/go build -ldflags=-buildid= -o "../$name.wasm" .)
done

# AssemblyScript guests: the compiler and the WASI shim from npm, pinned in assemblyscript/.
if ls "$fixtures"/assemblyscript/*.ts >/dev/null 2>&1; then
  (cd "$here/assemblyscript" && npm ci --no-audit --no-fund --silent)
  for src in "$fixtures"/assemblyscript/*.ts; do
    out="${src%.ts}.wasm"
    echo "asc    $(basename "$src") -> $(basename "$out")"
    # The shim's config names its library relative to the working directory.
    (cd "$here/assemblyscript" && ./node_modules/.bin/asc "$src" \
      --config ./node_modules/@assemblyscript/wasi-shim/asconfig.json -O3 --noAssert -o "$out")
  done
fi
