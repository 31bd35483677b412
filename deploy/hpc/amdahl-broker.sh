#!/usr/bin/env bash
# Sourced by slurm.sbatch and pbs.pbs: a private Redis on this node for one job, unless AMDAHL_BROKER names a
# broker already. Sets AMDAHL_BROKER (with a random password, kept out of every command line: redis-server reads
# its configuration from standard input) and broker_pid; stop_broker ends it.
#   start_broker HOST   HOST: this node's name as the other nodes reach it
start_broker() {
    local host="$1" port="${AMDAHL_REDIS_PORT:-6379}" password
    broker_pid=""
    if [[ -n "${AMDAHL_BROKER:-}" ]]; then
        return 0
    fi
    if ! command -v redis-server >/dev/null; then
        echo "amdahl: no AMDAHL_BROKER and no redis-server on $host; load a Redis module, or export AMDAHL_BROKER=redis://..." >&2
        return 1
    fi
    password="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
    # in memory only: the broker lives as long as the job
    printf 'port %s\nbind 0.0.0.0\nprotected-mode no\nrequirepass %s\nsave ""\nappendonly no\n' "$port" "$password" \
        | redis-server - >"${AMDAHL_LOG_DIR:-.}/redis-${AMDAHL_JOB_ID:-job}.log" 2>&1 &
    broker_pid=$!
    local deadline=$((SECONDS + 30))
    until (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; do
        if (( SECONDS > deadline )) || ! kill -0 "$broker_pid" 2>/dev/null; then
            echo "amdahl: redis-server on $host:$port did not start; see redis-${AMDAHL_JOB_ID:-job}.log" >&2
            return 1
        fi
        sleep 0.5
    done
    export AMDAHL_BROKER="redis://:$password@$host:$port/0?prefix=amdahl-${AMDAHL_JOB_ID:-job}"
}

stop_broker() {
    if [[ -n "${broker_pid:-}" ]]; then
        kill "$broker_pid" 2>/dev/null || true
        wait "$broker_pid" 2>/dev/null || true
    fi
}
