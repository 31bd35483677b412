#!/usr/bin/env bash
# Whether the launcher's worker JVM flags cost throughput or latency: bench/amdahl-only's worker and client
# (bench/redis-vs-celery-files/AmdahlBench.java: TASKS no-op tasks through one worker of concurrency 2 and prefetch
# 128, then RT round trips), the worker JVM started in turns with the flags before (OLD_OPTS) and the launcher's
# (NEW_OPTS, with MALLOC_ARENA_MAX=2), ROUNDS times, on the Redis at 127.0.0.1:6379. The client's JVM is the same
# in both. bench/amdahl-only itself starts its worker with plain 'java', which the launcher's defaults do not reach.
#
#   bench/worker-memory/throughput.sh [ROUNDS=3] [TASKS=20000] [RT=2000]
#
# Prints one line per run (load average, the worker's RSS after the run, throughput, p50, p99), then the medians.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-3}; TASKS=${2:-20000}; RT=${3:-2000}
OLD_OPTS=${OLD_OPTS:--Xmx1g -XX:+ExitOnOutOfMemoryError -XX:G1PeriodicGCInterval=30000}
NEW_OPTS=${NEW_OPTS:--Xmx1g -XX:+ExitOnOutOfMemoryError -XX:+UseSerialGC -XX:MetaspaceSize=64m -Xms64m -XX:TrimNativeHeapInterval=5000}
scripts/services.sh redis
[[ -f cli/target/amdahl.jar && -n "${NO_BUILD:-}" ]] || mvn -q -B ${MVN_OPTS:-} package -DskipTests
TMP=$(mktemp -d)
WORKER=""
cleanup() {
  [[ -n "$WORKER" ]] && { kill "$WORKER" 2>/dev/null || true; wait "$WORKER" 2>/dev/null || true; }
  redis-cli --scan --pattern "bench-wm-$$-*" 2>/dev/null | xargs -r -n 1000 redis-cli del > /dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
javac -d "$TMP/classes" -cp cli/target/amdahl.jar bench/redis-vs-celery-files/AmdahlBench.java
CP="$TMP/classes:cli/target/amdahl.jar"
echo "== amdahl $(git rev-parse --short HEAD 2>/dev/null || echo '(no git)'): $TASKS tasks, $RT round trips, $ROUNDS rounds"
echo "old: $OLD_OPTS"
echo "new: $NEW_OPTS, MALLOC_ARENA_MAX=2"
for r in $(seq "$ROUNDS"); do
  for c in old new; do
    url="redis://127.0.0.1:6379/0?prefix=bench-wm-$$-$r$c"
    if [[ $c == old ]]; then opts=$OLD_OPTS; arenas=${MALLOC_ARENA_MAX:-}; else opts=$NEW_OPTS; arenas=2; fi
    # shellcheck disable=SC2086 # the options are words
    env ${arenas:+MALLOC_ARENA_MAX=$arenas} java $opts -cp "$CP" AmdahlBench worker "$url" 2 128 > "$TMP/worker.log" 2>&1 & WORKER=$!
    for _ in $(seq 600); do grep -q READY "$TMP/worker.log" 2>/dev/null && break; sleep 0.1; done
    grep -q READY "$TMP/worker.log" || { cat "$TMP/worker.log" >&2; exit 1; }
    load=$(cut -d' ' -f1 /proc/loadavg)
    java -cp "$CP" AmdahlBench client "$url" "$TASKS" "$RT" > "$TMP/client.log" 2>&1 || { cat "$TMP/client.log" >&2; exit 1; }
    rss=$(awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$WORKER/status")
    kill "$WORKER"; wait "$WORKER" 2>/dev/null || true; WORKER=""
    tput=$(sed -nE 's/.*throughput: ([0-9]+) tasks.*/\1/p' "$TMP/client.log")
    p50=$(sed -nE 's/.* p50 ([0-9.]+) ms.*/\1/p' "$TMP/client.log")
    p99=$(sed -nE 's/.* p99 ([0-9.]+) ms.*/\1/p' "$TMP/client.log")
    echo "$c $tput $p50 $p99" >> "$TMP/all"
    printf 'round %d %s: %6s tasks/s, p50 %s ms, p99 %s ms, worker RSS after the run %s MiB (load %s)\n' \
      "$r" "$c" "$tput" "$p50" "$p99" "$rss" "$load"
  done
done
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
echo "(command: bench/worker-memory/throughput.sh $ROUNDS $TASKS $RT)"
for c in old new; do
  printf '%s flags: median %s tasks/s, p50 %s ms, p99 %s ms\n' "$c" \
    "$(awk -v c=$c '$1 == c { print $2 }' "$TMP/all" | median)" "$(awk -v c=$c '$1 == c { print $3 }' "$TMP/all" | median)" \
    "$(awk -v c=$c '$1 == c { print $4 }' "$TMP/all" | median)"
done
