#!/usr/bin/env bash
# Start-up benchmarks: how long until a guest runs, and how fast it serves while the JIT warms up,
# each against a native baseline measured in the same run. Prints one markdown table.
#
#   1. a small C guest's whole `run` (connection refused, exit) against `java` running a
#      hello-world class: the launcher's own start, cold cache, warm cache, warm with the CDS
#      launcher script, interpreter;
#   2. time to the first HTTP answer of the Go net/http server fixture, cold (empty cache) and
#      warm, compiler and interpreter, against the same source built natively by the same Go;
#   3. its requests/s in each of the first four 15-second windows under wrk (10 connections,
#      GET of 6 bytes), warm cache, against the native build.
#
# Each time is the median of RUNS runs (default 5); the small guest's rows give the CPU seconds
# (user + system, from the OS) beside the wall time.
#
# Usage: bench/startup.sh [--quick]   (--quick: 3 runs, 5-second windows)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

runs=5
window=15
if [ "${1:-}" = "--quick" ]; then runs=3; window=5; fi

source "$root/bench/lib.sh"
install_if_missing wrk curl || exit 2

./mvnw -q -B -DskipTests -Dspotless.check.skip=true -pl runtime-host,bench -am package
jar="$root/runtime-host/target/wasi-sockets.jar"
script="$root/runtime-host/target/wasi-sockets"
fixtures="$root/guest-fixtures/src/main/resources/fixtures"
client="$fixtures/c/wasmedge_tcp_client.wasm"
server="$fixtures/go/http_server.wasm"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The same Go server source, built natively by the same Go.
build_native_go_http_server "$work/http_server_native"
# A hello-world class: what a bare JVM start costs.
mkdir -p "$work/hello"
printf 'public class Hello { public static void main(String[] a) { System.out.println("hello"); } }\n' \
  >"$work/hello/Hello.java"
javac -d "$work/hello" "$work/hello/Hello.java"

export XDG_CACHE_HOME="$work/xdg"   # the launcher's cache and CDS archives, for this run only
mkdir -p "$XDG_CACHE_HOME"

now() { date +%s.%N; }
median() { sort -g | awk '{v[NR]=$1} END {printf "%.3f\n", (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
# CPU seconds (user + system) of a finished child, from GNU time's output file (its last line:
# a child ended by a signal gets a line saying so first).
cpu_of() { tail -n 1 "$1" | awk '{print $1 + $2}'; }

# Runs a command RUNS times (after PREPARE, if given, before each); prints "WALL CPU" medians.
time_runs() {
  local prepare="$1"; shift
  local walls=() cpus=()
  for ((i = 0; i < runs; i++)); do
    [ -n "$prepare" ] && eval "$prepare"
    local t0 t1
    t0=$(now)
    /usr/bin/time -f "%U %S" -o "$work/cpu" "$@" >/dev/null 2>&1 || true
    t1=$(now)
    walls+=("$(echo "$t1 - $t0" | bc)")
    cpus+=("$(cpu_of "$work/cpu")")
  done
  echo "$(printf '%s\n' "${walls[@]}" | median) $(printf '%s\n' "${cpus[@]}" | median)"
}

# Starts a server command (it prints "listens on 127.0.0.1:PORT" on stderr, or serves on the port
# given), returns when the first HTTP answer came, and leaves the seconds that took in
# $server_first, the server's pid in $server_pid and its port in $server_port.
start_server() {
  local native="$1"; shift
  : >"$work/server.err"
  local t0
  t0=$(now)
  /usr/bin/time -f "%U %S" -o "$work/server.cpu" "$@" >/dev/null 2>"$work/server.err" &
  server_pid=$!
  server_port="$native"
  while [ -z "$server_port" ]; do
    server_port=$(grep -o 'listens on 127.0.0.1:[0-9]*' "$work/server.err" | grep -o '[0-9]*$' || true)
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.err" >&2; exit 1; }
    sleep 0.002
  done
  until curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$server_port/"; do sleep 0.002; done
  server_first=$(echo "$(now) - $t0" | bc)
}

# The processes below PID that have no children of their own: the JVM or the native server, not
# the shells and /usr/bin/time around them (the launcher script must live on to rename its archive).
leaves() {
  local children
  children=$(pgrep -P "$1" || true)
  if [ -z "$children" ]; then echo "$1"; return; fi
  for child in $children; do leaves "$child"; done
}

stop_server() {
  for pid in $(leaves "$server_pid"); do
    [ "$pid" != "$server_pid" ] && kill -TERM "$pid" 2>/dev/null || true
  done
  wait "$server_pid" 2>/dev/null || true
}

# Time to first answer, RUNS times; prints "WALL" median.
first_answer() {
  local prepare="$1" native="$2"; shift 2
  local walls=()
  for ((i = 0; i < runs; i++)); do
    [ -n "$prepare" ] && eval "$prepare"
    start_server "$native" "$@"
    walls+=("$server_first")
    stop_server
  done
  printf '%s\n' "${walls[@]}" | median
}

# The command of a row: `java -jar` or the launcher script in $cmd, and in $extra what goes after
# the subcommand (--interpreter for the interpreter rows).
launcher() {
  cmd=(java -jar "$jar")
  if [ "$2" = script ]; then cmd=("$script"); fi
  extra=()
  if [ "$1" = interpreter ]; then extra=(--interpreter); fi
}

ratio() { printf '%.3g' "$(echo "scale=6; $1 / $2" | bc)"; }
row() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4"; }

echo "Machine: $(nproc) cores, $(java -version 2>&1 | head -n 1), $(date -u +%F)" >&2
echo "| what | how | figure (median of $runs) | ratio to the baseline |"
echo "|---|---|---|---|"

# 1. A small C guest's whole run.
c_args=(run --allow-connect 127.0.0.1:1 "$client" 127.0.0.1 1 hello)
read -r hello_wall hello_cpu < <(time_runs "" java -cp "$work/hello" Hello)
row "small C guest, whole run" "java Hello (baseline)" "${hello_wall} s (${hello_cpu} s CPU)" "1.00"
fresh_cache='rm -rf "$XDG_CACHE_HOME"/wasi-sockets'
for variant in "cold cache:java -jar:$fresh_cache" "warm cache:java -jar:" \
  "warm cache + CDS:script:" "interpreter:java -jar:"; do
  IFS=: read -r label how prepare <<<"$variant"
  launcher "$label" "$how"
  # One untimed run fills the cache (and the CDS archive) for the warm rows.
  "${cmd[@]}" "${c_args[0]}" "${extra[@]}" "${c_args[@]:1}" >/dev/null 2>&1 || true
  read -r wall cpu < <(time_runs "$prepare" "${cmd[@]}" "${c_args[0]}" "${extra[@]}" "${c_args[@]:1}")
  row "small C guest, whole run" "$label ($how)" "${wall} s (${cpu} s CPU)" "$(ratio "$wall" "$hello_wall")"
done

# 2. Time to the first HTTP answer.
native_port=18181
native_first=$(first_answer "" "$native_port" "$work/http_server_native" -listen "127.0.0.1:$native_port")
row "Go net/http server, first answer" "native Go build (baseline)" "${native_first} s" "1.00"
serve=(run --tcplisten 127.0.0.1:0)
for variant in "cold cache, compiler:java -jar:$fresh_cache" "warm cache, compiler:java -jar:" \
  "warm cache + CDS, compiler:script:" "interpreter:java -jar:"; do
  IFS=: read -r label how prepare <<<"$variant"
  launcher "$label" "$how"
  # An untimed start fills the compile cache; a C guest's run through the script, which exits
  # by itself, records the script's CDS archive (one per jar and JVM, whatever the guest).
  start_server "" "${cmd[@]}" "${serve[@]}" "${extra[@]}" "$server" && stop_server
  [ "$how" = script ] && { "$script" "${c_args[@]}" >/dev/null 2>&1 || true; }
  first=$(first_answer "$prepare" "" "${cmd[@]}" "${serve[@]}" "${extra[@]}" "$server")
  row "Go net/http server, first answer" "$label ($how)" "${first} s" "$(ratio "$first" "$native_first")"
done

# 3. Requests/s in the first four windows under wrk, from a fresh start (warm cache).
windows() {
  local native="$1"; shift
  start_server "$native" "$@"
  local rates=()
  for ((w = 0; w < 4; w++)); do
    rates+=("$(wrk -t1 -c10 -d"${window}s" "http://127.0.0.1:$server_port/" | awk '/Requests\/sec/ {print $2}')")
  done
  stop_server
  echo "${rates[*]}"
}
read -r n1 n2 n3 n4 < <(windows "$native_port" "$work/http_server_native" -listen "127.0.0.1:$native_port")
read -r g1 g2 g3 g4 < <(windows "" "$script" "${serve[@]}" "$server")
for w in 1 2 3 4; do
  eval "n=\$n$w g=\$g$w"
  row "Go net/http server under wrk, window $w (${window} s, 10 connections)" "native / guest (warm cache + CDS)" \
    "$(printf '%.0f' "$n") / $(printf '%.0f' "$g") requests/s" "$(ratio "$g" "$n")"
done
