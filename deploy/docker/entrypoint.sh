#!/usr/bin/env bash
# The container's entry point: 'amdahl worker' configured from the environment, or another amdahl command.
#
#   entrypoint.sh [worker] [FLAGS...]   a worker (the default); flags are added after those the environment gives
#   entrypoint.sh dashboard [FLAGS...]  the dashboard on AMDAHL_DASHBOARD_BIND (default 0.0.0.0:5555)
#   entrypoint.sh health                exit 0 when the worker's /metrics answers 200 (the image's HEALTHCHECK)
#   entrypoint.sh COMMAND [ARGS...]     any other amdahl command (status, submit, scale, ...)
#
# The amdahl command reads AMDAHL_BROKER, AMDAHL_BACKEND, AMDAHL_QUEUES, AMDAHL_CONCURRENCY, AMDAHL_PREFETCH,
# AMDAHL_POOL, AMDAHL_INCLUDE, AMDAHL_SIGNING_KEYS, AMDAHL_LOGLEVEL and AMDAHL_LOG_FORMAT itself. This script
# turns the worker's other settings into flags:
#   AMDAHL_SHUTDOWN_GRACE  --shutdown-grace (default 30s; keep the container's stop grace above it)
#   AMDAHL_EXIT_WHEN_IDLE  --exit-when-idle (unset: run until stopped)
#   AMDAHL_METRICS_PORT    --metrics-port (default 9464; 'off' for none, which also turns the health check off)
#   AMDAHL_METRICS_BIND    --metrics-bind (default 0.0.0.0: probes and Prometheus come from outside the container)
# and AMDAHL_OPTS (JVM options) defaults to sizing the heap from the container's memory limit.
set -euo pipefail

launcher="${AMDAHL_LAUNCHER:-/opt/amdahl/amdahl}"
# the launcher's own default is a fixed 1 GiB heap; in a container the limit is the better guide
export AMDAHL_OPTS="${AMDAHL_OPTS:--XX:MaxRAMPercentage=75}"
metrics_port="${AMDAHL_METRICS_PORT:-9464}"

command="worker"
if [[ $# -gt 0 && "$1" != -* ]]; then
    command="$1"
    shift
fi

case "$command" in
    worker)
        args=(worker --shutdown-grace "${AMDAHL_SHUTDOWN_GRACE:-30s}")
        if [[ -n "${AMDAHL_EXIT_WHEN_IDLE:-}" ]]; then
            args+=(--exit-when-idle "$AMDAHL_EXIT_WHEN_IDLE")
        fi
        if [[ "$metrics_port" != "off" ]]; then
            args+=(--metrics-port "$metrics_port" --metrics-bind "${AMDAHL_METRICS_BIND:-0.0.0.0}")
        fi
        # exec: the JVM becomes this process, so SIGTERM from 'docker stop' or the kubelet reaches the worker
        exec "$launcher" "${args[@]}" "$@"
        ;;
    dashboard)
        exec "$launcher" dashboard --bind "${AMDAHL_DASHBOARD_BIND:-0.0.0.0:5555}" "$@"
        ;;
    health)
        if [[ "$metrics_port" == "off" ]]; then
            exit 0
        fi
        # bash's /dev/tcp: the JRE image has no curl, and the probe must not start a second JVM
        exec 3<>"/dev/tcp/127.0.0.1/$metrics_port" || exit 1
        printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
        IFS= read -r -t 5 status <&3 || exit 1
        [[ "$status" == "HTTP/1."?" 200"* ]]
        ;;
    *)
        exec "$launcher" "$command" "$@"
        ;;
esac
