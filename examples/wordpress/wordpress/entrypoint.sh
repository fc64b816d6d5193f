#!/bin/bash
# WordPress container entrypoint.
#   apache2   (default) run Apache + mod_php in the foreground as PID 1
#   wp-init   install the site non-interactively, then exit (idempotent)
#   anything else is executed as is (bash, php, curl ...)
set -euo pipefail

case "${1:-apache2}" in
apache2)
    shift || true
    # Apache's runtime variables (APACHE_RUN_USER, APACHE_RUN_DIR, ...). The
    # container's own environment (WORDPRESS_DB_*) stays exported too, and
    # mod_php's getenv() falls back to the process environment.
    set +u
    . /etc/apache2/envvars
    set -u
    mkdir -p "$APACHE_RUN_DIR" "$APACHE_LOCK_DIR" "$APACHE_LOG_DIR"
    rm -f "$APACHE_PID_FILE"
    exec /usr/sbin/apache2 -DFOREGROUND "$@"
    ;;
wp-init)
    shift
    exec php -d display_errors=stderr /usr/local/share/wordpress-init/wp-init.php "$@"
    ;;
*)
    exec "$@"
    ;;
esac
