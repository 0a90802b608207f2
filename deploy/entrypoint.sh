#!/bin/sh
# The image's entrypoint: `parkos-entrypoint PROCESS` runs one of `parkos serve`'s processes
#   web        gunicorn on PORT (pages and the API)
#   ws         daphne on PORT+1 (websockets: /ws/)
#   space      the immersive map's server on PORT+2 (/ws/space/)
#   worker     the background-job worker
#   scheduler  the periodic jobs (one node runs each job: they take a lock)
#   serve      all of the above in one container (a single-node park)
# with PARKOS_MIGRATE=1, `parkos migrate` runs first (one container only: the compose stack has a
# `migrate` service for it). Anything else is run as a command, e.g. `parkos-entrypoint parkos createsuperuser`.
set -eu

process=${1:-serve}
case "$process" in
  web|ws|space|worker|scheduler|serve)
    if [ "${PARKOS_MIGRATE:-0}" = "1" ]; then
      parkos migrate --noinput
    fi
    if [ "$process" = serve ]; then
      exec parkos serve --host "${HOST:-0.0.0.0}" --port "${PORT:-8000}"
    fi
    exec python -m parkos.config.process "$process"
    ;;
  *)
    exec "$@"
    ;;
esac
