#!/usr/bin/env bash
# Install the system packages Neighborhood needs, when missing: `run` (SpatiaLite, venv) or
# `test` (also PostgreSQL + PostGIS and Chromium). As root it installs them; with passwordless sudo it uses
# sudo; otherwise it stops and prints the exact command to run.
set -euo pipefail
need="${1:-run}"

have_spatialite() {
  ldconfig -p 2>/dev/null | grep -q 'mod_spatialite\.so' || compgen -G '/usr/lib/*/mod_spatialite.so' >/dev/null
}
have_venv() { python3 -c 'import ensurepip, venv' >/dev/null 2>&1; }
pg_major() { ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1; }
have_postgis() {
  local v; v=$(pg_major)
  [ -n "$v" ] && [ -x "/usr/lib/postgresql/$v/bin/pg_ctl" ] \
    && [ -f "/usr/share/postgresql/$v/extension/postgis.control" ]
}

missing=()
command -v python3 >/dev/null || missing+=(python3)
have_venv || missing+=(python3-venv)
have_spatialite || missing+=(libsqlite3-mod-spatialite)
want_postgis=no
if [ "$need" = test ] && ! have_postgis; then want_postgis=yes; fi
# Browser tests drive Debian's Chromium through Playwright (which never downloads a browser).
if [ "$need" = test ] && ! command -v chromium >/dev/null; then missing+=(chromium); fi
[ ${#missing[@]} -eq 0 ] && [ "$want_postgis" = no ] && exit 0

# The PostGIS package is named after the server's major version (15 on Debian 12, 16 on
# Ubuntu 24.04, ...), so PostgreSQL is installed first and PostGIS for the version it brought.
postgis_hint="postgresql postgresql-<version>-postgis-3"
if ! command -v apt-get >/dev/null; then
  echo "Neighborhood needs: ${missing[*]} ${want_postgis/yes/$postgis_hint}" \
       "(Debian/Ubuntu names); install them with your package manager." >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo=(sudo)
else
  v=$(pg_major); v=${v:-15}
  extra=""; [ "$want_postgis" = yes ] && extra="postgresql postgresql-$v-postgis-3"
  echo "Neighborhood needs system packages. Run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]} $extra" >&2
  exit 1
fi

install() {
  echo "Installing system packages: $*" >&2
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get update -qq
[ ${#missing[@]} -eq 0 ] || install "${missing[@]}"
if [ "$want_postgis" = yes ]; then
  [ -n "$(pg_major)" ] || install postgresql
  install "postgresql-$(pg_major)-postgis-3"
fi
