#!/usr/bin/env bash
# Runs the network benchmarks (each in its own JVM, native Java first, then the guest in Chicory's
# compiler and interpreter) on loopback, and prints one markdown table with the ratio of each
# guest figure to the native one measured in the same run. Beside every figure stands its CPU per
# operation (the OS's accounting, every thread, over the measured window), beside every ratio the
# ratio of CPU per operation.
#
#   1. The guest as a client (NetworkBenchmarks, Scenario): ping-pong, bulk send, bulk receive,
#      churn against a Java peer in the same JVM, whose CPU is counted with the client's, in
#      every mode alike; many connections (ManyConnections), the server JVM's CPU alone.
#   1b. The virtual network against loopback (VirtualNetworkBenchmarks): the benchmark client guest
#      and the WasmEdge echo server guest in one JVM, over the direct transport on 127.0.0.1 and
#      over one VirtualNetwork: ping-pong, echo bulk, churn, and a Java client in the client's
#      place; no spin and a 50 us spin on both sides; the heap of 10,000 idle virtual connections.
#   2. The guest as a server (ServerBenchmarks), each server in a process of its own, pinned to one
#      core with taskset, its load in another process on another core; the CPU is the server's:
#      - echo bulk: the C WasmEdge echo server (blocking, 16 KiB) and the C preview 1 poll server
#        (non-blocking, poll, 1 KiB) against a Java echo server (blocking, thread per connection,
#        a direct buffer of the guest's size); the load sends in 64 KiB writes and reads the echo
#        at once, checking every byte;
#      - ping-pong: 64-byte request and echo, one connection, same servers;
#      - HTTP: the Go net/http guest under wrk (10, then 100 keep-alive connections), after a
#        warm-up, against the same source built natively by the same Go.
#      The quick run is the short one (a user's short connection pays the warm-up too); the full
#      run the long one. The table says the amounts.
#
# Usage: bench/run.sh [--quick] [--jmh] [--servers [--smoke]] [--virtual]
#   --quick    smaller amounts of work (about 4 minutes on 2 cores); the default takes about 13
#   --jmh      also run the JMH microbenchmarks (host-call cost, policy decision)
#   --servers  only the server rows (2 above)
#   --smoke    with --servers: tiny amounts, to see that the rows work (about a minute)
#   --virtual  only the virtual network's rows (1b above; about 2 minutes)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source "$root/bench/lib.sh"

amounts=""
jmh=""
main=dev.wasisockets.bench.NetworkBenchmarks
for arg in "$@"; do
  case "$arg" in
    --quick) amounts="--quick" ;;
    --smoke) amounts="--smoke" ;;
    --jmh) jmh="yes" ;;
    --servers) main=dev.wasisockets.bench.ServerBenchmarks ;;
    --virtual) main=dev.wasisockets.bench.VirtualNetworkBenchmarks ;;
    *) echo "usage: bench/run.sh [--quick] [--jmh] [--servers [--smoke]] [--virtual]" >&2; exit 2 ;;
  esac
done
if [ "$amounts" = --smoke ] && [ "$main" != dev.wasisockets.bench.ServerBenchmarks ]; then
  echo "run.sh: --smoke is for --servers" >&2; exit 2
fi

./mvnw -q -B -DskipTests -Dspotless.check.skip=true -pl bench -am package
jar="$root/bench/target/benchmarks.jar"

# The HTTP rows need wrk and the Go server built natively; without them they say they were skipped.
servers="$root/bench/target/server-bench"
mkdir -p "$servers"
install_if_missing wrk || true
go_server=""
if [ -x /usr/lib/go-1.23/bin/go ] && build_native_go_http_server "$servers/http_server_native"; then
  go_server="$servers/http_server_native"
else
  echo "run.sh: no Go 1.23 to build the native Go server (guest-fixtures/build.sh installs it)" >&2
fi

echo "Machine: $(nproc) cores, $(java -version 2>&1 | head -n 1)" >&2
# Compiled guests are kept in bench/target, so a second run does not compile the Go guest again.
java -Dbench.goHttpServer="$go_server" -Dbench.compileCache="$servers/compile-cache" \
  -cp "$jar" "$main" $amounts

if [ -n "$jmh" ]; then
  java -jar "$jar" -f 1 -wi 3 -i 5 -w 1 -r 1
fi
