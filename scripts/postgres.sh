#!/usr/bin/env bash
# A throwaway PostgreSQL server on localhost for the tests.
#
#   scripts/postgres.sh start        installs PostgreSQL (apt-get) if missing, starts a fresh
#                                    cluster on a free port and prints its URL on stdout:
#                                    postgresql://postgres@127.0.0.1:<port>/earlyhelp
#   scripts/postgres.sh stop <port>  stops that cluster and deletes its files
#
# The cluster lives in /tmp/earlyhelp-pg-<port>, trusts local connections only
# (listen on 127.0.0.1, no password) and runs as the postgres OS user when started
# by root (postgres refuses to run as root). Logs go to stderr.
set -euo pipefail

find_bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir; return
  fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_owner() {  # run a command as the cluster owner
  if [ "$(id -u)" -eq 0 ]; then
    if command -v runuser >/dev/null 2>&1; then runuser -u postgres -- "$@"; else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi
  else
    "$@"
  fi
}

cmd="${1:-}"
case "$cmd" in
  start)
    bindir="$(find_bindir)"
    if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
      echo "postgres.sh: PostgreSQL not found, installing it with apt-get" >&2
      sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
      $sudo apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2
      bindir="$(find_bindir)"
    fi
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    dir="/tmp/earlyhelp-pg-$port"
    rm -rf "$dir"; mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C >&2
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c fsync=off" start >&2
    as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres earlyhelp >&2
    echo "postgresql://postgres@127.0.0.1:$port/earlyhelp"
    ;;
  stop)
    port="${2:?usage: postgres.sh stop <port>}"
    dir="/tmp/earlyhelp-pg-$port"
    bindir="$(find_bindir)"
    if [ -d "$dir/data" ]; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start | stop <port>" >&2
    exit 2
    ;;
esac
