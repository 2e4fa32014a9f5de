#!/usr/bin/env bash
# Runs the network benchmarks (each in its own JVM, native Java first, then the guest in Chicory's
# compiler and interpreter) on loopback, and prints one markdown table with the ratio of each
# guest figure to the native one measured in the same run.
#
# Usage: bench/run.sh [--quick] [--jmh]
#   --quick  smaller amounts of work (about two minutes on 2 cores); the default takes about ten
#   --jmh    also run the JMH microbenchmarks (host-call cost, policy decision)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

quick=""
jmh=""
for arg in "$@"; do
  case "$arg" in
    --quick) quick="--quick" ;;
    --jmh) jmh="yes" ;;
    *) echo "usage: bench/run.sh [--quick] [--jmh]" >&2; exit 2 ;;
  esac
done

./mvnw -q -B -DskipTests -Dspotless.check.skip=true -pl bench -am package
jar="$root/bench/target/benchmarks.jar"

echo "Machine: $(nproc) cores, $(java -version 2>&1 | head -n 1)" >&2
java -cp "$jar" dev.wasisockets.bench.NetworkBenchmarks $quick

if [ -n "$jmh" ]; then
  java -jar "$jar" -f 1 -wi 3 -i 5 -w 1 -r 1
fi
