#!/usr/bin/env bash
# Makes a fresh checkout runnable: installs the Redis binaries used as test references from
# Debian (redis-server, redis-tools with redis-cli/redis-benchmark/redis-check-*, redis-sentinel),
# installs npm dependencies, and builds. Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1 DO_NOT_TRACK=1

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-benchmark >/dev/null || missing+=(redis-tools)
command -v redis-sentinel >/dev/null || missing+=(redis-sentinel)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]} from Debian" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The interoperability tests compare with Redis 7.0 (RDB version 10, its replies and error
# texts); another major version would make them compare with the wrong reference.
redis_version=$(redis-server --version | sed -n 's/.* v=\([0-9.]*\).*/\1/p')
case "$redis_version" in
  7.0.*) ;;
  *) echo "setup: redis-server is ${redis_version:-of unknown version}; the tests need 7.0 (Debian bookworm's)" >&2; exit 1 ;;
esac

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

npx turbo run build --output-logs=errors-only
