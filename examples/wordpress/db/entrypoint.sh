#!/bin/bash
# MariaDB entrypoint for the wordpress example.
#
# First start (empty /var/lib/mysql): initialise the data directory, set the
# root password, create MARIADB_DATABASE and MARIADB_USER (password
# MARIADB_PASSWORD) with all privileges on that database. Every start: exec
# the server in the foreground as the mysql user, listening on 0.0.0.0:3306,
# so that it is PID 1, gets SIGTERM and shuts down cleanly.
set -euo pipefail

DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock

log() { printf '%s [Entrypoint] %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S')" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Anything other than the server (e.g. `bash`, `mariadb-dump ...`) runs as is.
if [ "${1:-}" != "mariadbd" ] && [ "${1:-}" != "mysqld" ]; then
    exec "$@"
fi
shift

# SQL string literal and identifier quoting.
sql_str() { local s=${1//\\/\\\\}; s=${s//\'/\\\'}; printf "'%s'" "$s"; }
sql_id() { printf '`%s`' "${1//\`/\`\`}"; }

mkdir -p /run/mysqld
chown mysql:mysql /run/mysqld
chown mysql:mysql "$DATADIR"

if [ ! -d "$DATADIR/mysql" ]; then
    : "${MARIADB_ROOT_PASSWORD:?MARIADB_ROOT_PASSWORD must be set to initialise the database}"
    : "${MARIADB_DATABASE:?MARIADB_DATABASE must be set to initialise the database}"
    : "${MARIADB_USER:?MARIADB_USER must be set to initialise the database}"
    : "${MARIADB_PASSWORD:?MARIADB_PASSWORD must be set to initialise the database}"
    [ "$MARIADB_USER" != root ] || die "MARIADB_USER must not be root"

    log "initialising data directory $DATADIR"
    pid=
    # A half-initialised datadir would be taken as ready on the next start:
    # on any failure, stop the temporary server and empty the datadir again.
    trap 'rc=$?; if [ "$rc" -ne 0 ]; then
            log "initialisation failed; clearing $DATADIR";
            [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null;
            find "$DATADIR" -mindepth 1 -delete; fi' EXIT
    mariadb-install-db --user=mysql --datadir="$DATADIR" --skip-test-db \
        --auth-root-authentication-method=normal >/dev/null

    log "starting temporary server (no networking)"
    mariadbd --user=mysql --datadir="$DATADIR" --socket="$SOCKET" \
        --skip-networking --skip-log-bin &
    pid=$!
    for _ in $(seq 60); do
        mariadb-admin --socket="$SOCKET" -uroot ping >/dev/null 2>&1 && break
        kill -0 "$pid" 2>/dev/null || die "temporary server exited during initialisation"
        sleep 0.5
    done
    mariadb-admin --socket="$SOCKET" -uroot ping >/dev/null 2>&1 || die "temporary server did not start"

    log "creating database $MARIADB_DATABASE and user $MARIADB_USER"
    mariadb --socket="$SOCKET" -uroot <<-EOSQL
		SET @@SESSION.SQL_LOG_BIN=0;
		-- root only from inside the container, and with a password
		DELETE FROM mysql.global_priv WHERE User='' OR (User='root' AND Host <> 'localhost');
		DELETE FROM mysql.proxies_priv WHERE Host <> 'localhost';
		FLUSH PRIVILEGES;
		ALTER USER 'root'@'localhost' IDENTIFIED BY $(sql_str "$MARIADB_ROOT_PASSWORD");
		CREATE DATABASE IF NOT EXISTS $(sql_id "$MARIADB_DATABASE") CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
		CREATE USER $(sql_str "$MARIADB_USER")@'%' IDENTIFIED BY $(sql_str "$MARIADB_PASSWORD");
		GRANT ALL PRIVILEGES ON $(sql_id "$MARIADB_DATABASE").* TO $(sql_str "$MARIADB_USER")@'%';
		FLUSH PRIVILEGES;
	EOSQL

    log "stopping temporary server"
    mariadb-admin --socket="$SOCKET" -uroot -p"$MARIADB_ROOT_PASSWORD" shutdown
    wait "$pid" || true
    pid=
    trap - EXIT
    log "initialisation complete"
fi

log "starting MariaDB on 0.0.0.0:3306"
exec mariadbd --user=mysql --datadir="$DATADIR" --socket="$SOCKET" \
    --bind-address=0.0.0.0 --port=3306 --skip-name-resolve "$@"
