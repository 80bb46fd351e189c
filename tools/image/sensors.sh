#!/bin/sh
# Entry point of the image: `sensors publisher|consumer [options]` runs that app's bundle with
# the options given. `exec` replaces the shell, so the app itself receives the SIGTERM of
# `docker stop` and runs its graceful shutdown.
set -eu
app_dir=${SENSORS_APP_DIR:-/app}
app=${1:-}
case "$app" in
  publisher | consumer)
    shift
    exec node "$app_dir/$app/main.js" "$@"
    ;;
  *)
    echo "usage: sensors publisher|consumer [options]   (each app has --help)" >&2
    [ "$app" = --help ] || [ "$app" = -h ] && exit 0
    exit 64
    ;;
esac
