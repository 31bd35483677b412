#!/usr/bin/env bash
# Issue 10, defect 9: how much one message of many arguments grows a worker's resident memory.
# Starts './amdahl worker' (the launcher's defaults) on a queue of its own, reads its RSS, publishes one chunk
# message of N arguments past the client's limits, waits for the task's record, and reads the RSS again,
# then once more after the worker idled long enough for G1's periodic collection to give memory back.
#
#   bench/worker-memory/run.sh [N=1000000] [BROKER=redis://127.0.0.1:6379]
#
# Builds what it needs and starts a Redis on 127.0.0.1:6379 when none answers (scripts/services.sh). Prints the
# figures and the command; the last line is the headline: how much the worker grew.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
n="${1:-1000000}"
broker="${2:-redis://127.0.0.1:6379}"
queue="worker-memory-$$"
log="$(mktemp)"
[[ "$broker" == redis://127.0.0.1:6379* ]] && "$here/scripts/services.sh" redis
[[ -f "$here/cli/target/amdahl.jar" && -n "${NO_BUILD:-}" ]] || (cd "$here" && mvn -q -B ${MVN_OPTS:-} package -DskipTests)

rss_mib() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

"$here/amdahl" worker --broker "$broker" -Q "$queue" -c 1 >"$log" 2>&1 &
launcher=$!
trap 'kill "$launcher" 2>/dev/null || true; rm -f "$log"; redis-cli -u "$broker" --scan --pattern "amdahl:q:$queue:*" | xargs -r redis-cli -u "$broker" del >/dev/null' EXIT
for _ in $(seq 1 300); do
    grep -q "stop with Ctrl-C" "$log" && break
    sleep 0.1
done
grep -q "stop with Ctrl-C" "$log" || { cat "$log" >&2; exit 1; }
worker=$launcher   # the launcher execs java, so this is the worker JVM

sleep 2
before=$(rss_mib "$worker")
java -cp "$here/cli/target/amdahl.jar" "$here/bench/worker-memory/PublishBigMessage.java" "$broker" "$queue" "$n"
after=$(rss_mib "$worker")
sleep 35
idle=$(rss_mib "$worker")
heap=$(jcmd "$worker" GC.heap_info 2>/dev/null | awk '/garbage-first heap/ { print $0 }' | head -1 || true)

echo "command:  bench/worker-memory/run.sh $n $broker"
echo "worker:   ./amdahl worker, $(grep -o 'heap limit.*' "$log" || echo "launcher defaults")"
echo "RSS:      before ${before} MiB, after the message ${after} MiB (+$((after - before)) MiB), after 35 s idle ${idle} MiB"
[[ -n "$heap" ]] && echo "heap:    $heap"
grep -i "rejecting\|malformed" "$log" | head -2 | cut -c1-300 || true
echo "worker-memory: one message of $n arguments grew the worker by $((after - before)) MiB ($((idle - before)) MiB after 35 s idle)"
