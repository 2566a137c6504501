#!/usr/bin/env bash
# The Debian packages that `make run` or `make test` need, installed when missing.
#
#   deploy/setup-system.sh run     what `make run` needs: Node.js and npm (npm installs bun)
#   deploy/setup-system.sh test    and what the tests start: Chromium (browser tests), nginx,
#                                  PostgreSQL's server programs and redis-server (scale-out tests)
#
# As root it runs `apt-get update` once and `apt-get install` for what is missing. Otherwise it
# prints one line saying what to install and how, and exits 1, so that `make test` stops before
# any test can fail for a missing tool. Nothing is done when everything is there.
#
# For the tests of this script: SETUP_APT_GET (the apt-get to run), SETUP_UID (who we are) and
# SETUP_PATH (where programs are looked for, instead of PATH plus the sbin folders).
set -euo pipefail

profile="${1:-test}"
case "$profile" in
  run | test) ;;
  *)
    echo "usage: $0 run|test" >&2
    exit 2
    ;;
esac

search_path="${SETUP_PATH:-$PATH:/usr/local/sbin:/usr/sbin:/sbin}"
apt_get="${SETUP_APT_GET:-apt-get}"
uid="${SETUP_UID:-$(id -u)}"

have() { PATH="$search_path" command -v "$1" >/dev/null 2>&1; }

# PostgreSQL's server programs live outside PATH on Debian (/usr/lib/postgresql/N/bin).
have_postgres_server() {
  if [ -n "${SETUP_PATH:-}" ]; then
    have initdb && have pg_ctl
  else
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || { have initdb && have pg_ctl; }
  fi
}

need=()
have node || need+=(nodejs)
have npm || need+=(npm)
if [ "$profile" = test ]; then
  have chromium || need+=(chromium)
  have nginx || need+=(nginx)
  have redis-server || need+=(redis-server)
  have_postgres_server || need+=(postgresql)
  have runuser || need+=(util-linux)
fi

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

if [ "$uid" != 0 ]; then
  echo "withUs: missing system packages for 'make $profile': ${need[*]} — install them with: sudo apt-get install -y ${need[*]} (or run 'make $profile' as root)" >&2
  exit 1
fi

echo "withUs: installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
"$apt_get" update -qq
"$apt_get" install -y -qq "${need[@]}" >/dev/null
