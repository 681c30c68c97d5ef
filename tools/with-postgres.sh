#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL cluster:
#   tools/with-postgres.sh COMMAND...
# initdb in a temporary directory as an unprivileged user (PostgreSQL refuses root), start it on
# a free port, export PARCOURS_DATABASE_URL, run the command, stop and delete the cluster.
# With CI=true PostgreSQL is mandatory and installed from Debian's packages if missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || ! [ -x "$bindir/initdb" ]; then
  if [ "${CI:-}" = "true" ] || [ "$(id -u)" = 0 ]; then
    bash "$here/ensure-system-deps.sh" postgresql
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  else
    echo "PostgreSQL server binaries not found: install postgresql, or run as root." >&2
    exit 1
  fi
fi

run_as=()
owner=$(id -un)
if [ "$(id -u)" = 0 ]; then
  owner=postgres
  id -u "$owner" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$owner"
  run_as=(runuser -u "$owner" --)
fi

cluster=$(mktemp -d /tmp/parcours-pg.XXXXXX)
chown "$owner" "$cluster"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cleanup() {
  "${run_as[@]}" "$bindir/pg_ctl" -D "$cluster/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$cluster"
}
trap cleanup EXIT

"${run_as[@]}" "$bindir/initdb" -D "$cluster/data" -U parcours --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${run_as[@]}" "$bindir/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w \
  -o "-p $port -k $cluster -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
"${run_as[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U parcours parcours

export PARCOURS_DATABASE_URL="postgresql://parcours@127.0.0.1:$port/parcours"
echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
set +e
"$@"
status=$?
set -e
exit $status
