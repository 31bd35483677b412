#!/usr/bin/env bash
# Brings up, on loopback, the real services the integration tests use, when they are not up already.
# Idempotent: a service that answers on its port is left alone. A missing server is installed from
# Debian's packages (needs root and apt). Exits non-zero, naming the service, when one cannot start.
#   scripts/services.sh             # redis rabbitmq postgres
#   scripts/services.sh redis       # just Redis
set -u
want=("$@")
[ ${#want[@]} -gt 0 ] || want=(redis rabbitmq postgres)

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
await_port() { # port seconds
  local i
  for ((i = 0; i < $2 * 4; i++)); do listening "$1" && return 0; sleep 0.25; done
  return 1
}
apt_ready=
ensure() { # binary debian-package
  command -v "$1" >/dev/null 2>&1 && return 0
  [ -n "$apt_ready" ] || { apt-get update -qq >/dev/null 2>&1; apt_ready=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1
}

status=0
for service in "${want[@]}"; do
  case "$service" in
  redis)
    listening 6379 && continue
    ensure redis-server redis-server
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/amdahl-tests.log >/dev/null
    await_port 6379 20 || { echo "services: redis did not come up on 127.0.0.1:6379" >&2; status=1; }
    ;;
  rabbitmq)
    listening 5672 && continue
    ensure rabbitmq-server rabbitmq-server
    rabbitmq-server -detached >/dev/null 2>&1
    await_port 5672 90 || { echo "services: rabbitmq did not come up on 127.0.0.1:5672" >&2; status=1; }
    ;;
  postgres)
    PGCONNECT_TIMEOUT=5 psql -w -h 127.0.0.1 -U root -d test -qtAc 'select 1' >/dev/null 2>&1 && continue
    ensure pg_ctlcluster postgresql
    version=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
    [ -n "$version" ] || { echo "services: no PostgreSQL cluster is configured" >&2; status=1; continue; }
    listening 5432 || pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1
    await_port 5432 30 || { echo "services: postgres did not come up on 127.0.0.1:5432" >&2; status=1; continue; }
    # the tests connect as root to database test over loopback, without a password
    su postgres -c "psql -qtAc \"select 1 from pg_roles where rolname='root'\"" 2>/dev/null | grep -q 1 ||
      su postgres -c "psql -qc 'create role root superuser login'" >/dev/null 2>&1
    su postgres -c "psql -qtAc \"select 1 from pg_database where datname='test'\"" 2>/dev/null | grep -q 1 ||
      su postgres -c "psql -qc 'create database test'" >/dev/null 2>&1
    if ! PGCONNECT_TIMEOUT=5 psql -w -h 127.0.0.1 -U root -d test -qtAc 'select 1' >/dev/null 2>&1; then
      hba=/etc/postgresql/$version/main/pg_hba.conf
      grep -q '^host all all 127.0.0.1/32 trust' "$hba" 2>/dev/null ||
        sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
      pg_ctlcluster --skip-systemctl-redirect "$version" main reload >/dev/null 2>&1
    fi
    ;;
  *) echo "services: unknown service '$service' (known: redis, rabbitmq, postgres)" >&2; status=2 ;;
  esac
done
exit $status
