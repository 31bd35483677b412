#!/usr/bin/env bash
# The resident memory of './amdahl worker' (the launcher's defaults) on Redis: idle, and how much one message of
# many arguments grows it (issue 10, defect 9).
# Starts the worker on a queue of its own, reads its RSS, threads and heap once it has idled IDLE seconds after
# it said it is ready (the figure of an idle worker: issue 14 asks for at most 64 MB); then, unless N is 0,
# publishes one chunk message of N arguments past the client's limits, waits for the task's record, and reads
# the RSS again, then once more after the worker idled 35 s.
#
#   bench/worker-memory/run.sh [N=1000000] [BROKER=redis://127.0.0.1:6379]     (IDLE=10 by default)
#   AMDAHL=/other/checkout/amdahl NO_BUILD=1 bench/worker-memory/run.sh 0       another build's launcher, idle only
#
# Builds what it needs and starts a Redis on 127.0.0.1:6379 when none answers (scripts/services.sh). Prints the
# figures and the command; the last line is the headline: the idle worker's RSS, then how much the message grew it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
n="${1:-1000000}"
broker="${2:-redis://127.0.0.1:6379}"
idle_s="${IDLE:-10}"
launcher_cmd="${AMDAHL:-$here/amdahl}"
queue="worker-memory-$$"
log="$(mktemp)"
[[ "$broker" == redis://127.0.0.1:6379* ]] && "$here/scripts/services.sh" redis
[[ -f "$here/cli/target/amdahl.jar" && -n "${NO_BUILD:-}" ]] || (cd "$here" && mvn -q -B ${MVN_OPTS:-} package -DskipTests)

rss_mib() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
status_of() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

"$launcher_cmd" worker --broker "$broker" -Q "$queue" -c 1 >"$log" 2>&1 &
launcher=$!
trap 'kill "$launcher" 2>/dev/null || true; rm -f "$log"; redis-cli -u "$broker" --scan --pattern "amdahl:q:$queue:*" | xargs -r redis-cli -u "$broker" del >/dev/null' EXIT
for _ in $(seq 1 600); do
    grep -q "stop with Ctrl-C" "$log" && break
    sleep 0.1
done
grep -q "stop with Ctrl-C" "$log" || { cat "$log" >&2; exit 1; }
worker=$launcher   # the launcher execs java, so this is the worker JVM

sleep "$idle_s"
idle=$(rss_mib "$worker")
anon=$(( $(status_of "$worker" RssAnon) / 1024 ))
threads=$(status_of "$worker" Threads)
flags=$(tr '\0' ' ' < "/proc/$worker/cmdline" | grep -oE -- ' -X[^ ]*' | tr -d '\n' || true)
malloc=$(tr '\0' '\n' < "/proc/$worker/environ" | grep '^MALLOC_' | tr '\n' ' ' || true)
heap=$(jcmd "$worker" GC.heap_info 2>/dev/null | grep -E 'heap |generation ' | sed -E 's/^ +//; s/ \[.*//' | paste -sd ';' - || true)

echo "command:  bench/worker-memory/run.sh $n $broker   (IDLE=$idle_s, load $(cut -d' ' -f1-3 /proc/loadavg))"
echo "worker:   $launcher_cmd worker on $("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | head -1), JVM flags:$flags${malloc:+; environment: $malloc}"
echo "idle:     ${idle} MiB RSS (${anon} MiB anonymous, the rest mapped files: the JVM's library and class-data archive), $threads threads, ${idle_s} s after ready"
[[ -n "$heap" ]] && echo "heap:     $heap"
headline="worker-memory: an idle worker holds $idle MiB RSS ($threads threads)"
if (( n > 0 )); then
    before=$(rss_mib "$worker")
    java -cp "$here/cli/target/amdahl.jar" "$here/bench/worker-memory/PublishBigMessage.java" "$broker" "$queue" "$n"
    after=$(rss_mib "$worker")
    sleep 35
    rested=$(rss_mib "$worker")
    echo "RSS:      before ${before} MiB, after the message ${after} MiB (+$((after - before)) MiB), after 35 s idle ${rested} MiB"
    grep -i "rejecting\|malformed" "$log" | head -2 | cut -c1-300 || true
    headline+="; one message of $n arguments grew it by $((after - before)) MiB ($((rested - before)) MiB after 35 s idle)"
fi
echo "$headline"
