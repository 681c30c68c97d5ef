#!/usr/bin/env bash
# Install the Debian packages Parcours needs, only when missing: ensure-system-deps.sh WHAT...
# WHAT: gettext | chromium | postgresql | redis
set -euo pipefail

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "need root to run: $*" >&2; return 1; fi
}

updated=""
apt_install() {
  if [ -z "$updated" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

pg_bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

for what in "$@"; do
  case "$what" in
    gettext)
      command -v msgfmt >/dev/null 2>&1 || apt_install gettext ;;
    chromium)
      if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ]; then
        apt_install chromium chromium-driver fonts-dejavu-core
      fi ;;
    postgresql)
      d=$(pg_bindir)
      if [ -z "$d" ] || ! [ -x "$d/initdb" ]; then apt_install postgresql postgresql-contrib; fi ;;
    redis)
      command -v redis-server >/dev/null 2>&1 || apt_install redis-server ;;
    *) echo "unknown dependency: $what" >&2; exit 2 ;;
  esac
done
