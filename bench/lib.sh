# Shell functions for the benchmark scripts (bench/run.sh, bench/startup.sh): source it after
# setting $root to the repository's root.

# Installs the tools named that are not on PATH, with apt, when run as root; otherwise names them
# on stderr and returns 1.
install_if_missing() {
  local missing=()
  for tool in "$@"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then echo "$(basename "$0"): install ${missing[*]} (apt)" >&2; return 1; fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The Go net/http server fixture's source built natively, into $1, by the Go that builds the guest
# (guest-fixtures/build.sh, whose build cache it shares): the guest's native baseline.
build_native_go_http_server() {
  (cd "$root/guest-fixtures/src/main/resources/fixtures/go/http_server" &&
    GOCACHE="${TMPDIR:-/tmp}/wasi-sockets-gocache" GOFLAGS="-trimpath -buildvcs=false" \
      /usr/lib/go-1.23/bin/go build -o "$1" .)
}
