#!/usr/bin/env bash
# Restore a backup made by deploy/backup.sh into the site's database and media folder.
#
#   deploy/restore.sh [--env-file /etc/civic/civic.env] [--force] [--create] [--no-media] BACKUP
#
# BACKUP is a folder written by deploy/backup.sh (civic-YYYYMMDDTHHMMSSZ). The target is
# what the site reads (DATABASE_URL, MEDIA_ROOT, VAR_DIR; see deploy/backup.sh), from
# the environment or from the --env-file. Stop the site and its workers first, and run
# this as the site's own user, so that the files restored are the site's.
#
#   - the checksums in SHA256SUMS are verified before anything is touched;
#   - a database that already has tables, or a media folder with files, is refused
#     unless --force (then the backup replaces the database's objects and its files
#     are written over the folder's);
#   - PostgreSQL: pg_restore --no-owner --no-acl --single-transaction, with --clean
#     --if-exists over an existing database; --create makes the database first when
#     it does not exist (the user in DATABASE_URL needs the CREATEDB right);
#   - SQLite: SQLite's backup API writes the copy into the database file;
#   - media: the tar is unpacked into MEDIA_ROOT (not when media is on object storage).
#
# Afterwards: manage.py migrate (when the code is newer than the backup), start the
# site, and empty the page cache if it is in Redis (docs/deployment.md).
set -euo pipefail

PROGRAM=restore
# shellcheck source=deploy/backup.sh
source "$(dirname "${BASH_SOURCE[0]}")/backup.sh"

restore_usage() {
    sed -n '2,22p' "$ROOT/deploy/restore.sh" | sed 's/^# \{0,1\}//'
}

# How many tables, views and sequences the target PostgreSQL database has; "absent"
# when it does not exist.
postgres_objects() {
    local out
    if ! out="$(psql --no-psqlrc --quiet --tuples-only --no-align --set=ON_ERROR_STOP=1 \
        --command="SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
                     AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                     AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'" 2>&1)"; then
        if [[ "$out" == *"does not exist"* ]]; then
            echo absent
            return
        fi
        die "cannot reach the database $PGDATABASE: $out"
    fi
    echo "$out"
}

sqlite_tables() {
    if [[ ! -s "$DB_PATH" ]]; then
        echo 0
        return
    fi
    "$PY" - "$DB_PATH" <<'PYTHON'
import sqlite3, sys

connection = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
print(connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0])
PYTHON
}

restore_main() {
    local env_file="" force=0 create=0 with_media=1 backup=""
    while [[ $# -gt 0 ]]; do
        case "$1" in
        --env-file) env_file="${2:?--env-file needs a file}"; shift 2 ;;
        --env-file=*) env_file="${1#*=}"; shift ;;
        --force) force=1; shift ;;
        --create) create=1; shift ;;
        --no-media) with_media=0; shift ;;
        -h | --help) restore_usage; exit 0 ;;
        -*) die "unknown option $1 (see --help)" ;;
        *)
            [[ -z "$backup" ]] || die "one backup folder only (see --help)"
            backup="$1"
            shift
            ;;
        esac
    done
    [[ -n "$backup" ]] || die "which backup? (see --help)"
    [[ -d "$backup" ]] || die "no backup folder at $backup"
    backup="$(cd "$backup" && pwd)"
    [[ -f "$backup/backup.info" && -f "$backup/SHA256SUMS" ]] ||
        die "$backup is not a backup made by deploy/backup.sh (no backup.info or SHA256SUMS)"

    if [[ -n "$env_file" ]]; then
        load_env_file "$env_file"
    fi
    read_site_settings

    log "checking $backup"
    (cd "$backup" && sha256sum --check --quiet --strict SHA256SUMS) ||
        die "the backup's files do not match their checksums: it is damaged or incomplete"
    local backup_engine db_file media
    backup_engine="$(sed -n 's/^database_engine=//p' "$backup/backup.info")"
    db_file="$(sed -n 's/^database_file=//p' "$backup/backup.info")"
    media="$(sed -n 's/^media=//p' "$backup/backup.info")"
    [[ "$backup_engine" == "$DB_ENGINE" ]] ||
        die "the backup holds a $backup_engine database, DATABASE_URL names a $DB_ENGINE one"

    # Every check before any change: a refused restore changes nothing.
    local objects restore_media=0
    case "$DB_ENGINE" in
    postgresql)
        local tool
        for tool in pg_restore psql createdb; do
            command -v "$tool" >/dev/null 2>&1 ||
                die "$tool is needed (Debian: apt-get install postgresql-client)"
        done
        objects="$(postgres_objects)"
        if [[ "$objects" == absent ]]; then
            [[ "$create" == 1 ]] ||
                die "the database $PGDATABASE does not exist (create it, or add --create)"
        elif [[ "$objects" != 0 && "$force" != 1 ]]; then
            die "the database $PGDATABASE is not empty ($objects tables, views or sequences); add --force to replace its content"
        fi
        ;;
    sqlite)
        objects="$(sqlite_tables)"
        if [[ "$objects" != 0 && "$force" != 1 ]]; then
            die "the database $DB_PATH is not empty ($objects tables); add --force to replace it"
        fi
        ;;
    esac
    if [[ "$with_media" == 1 && "$media" == media.tar.gz ]]; then
        if [[ -n "${AWS_STORAGE_BUCKET_NAME:-}" ]]; then
            die "the backup holds a media folder but media is on object storage (AWS_STORAGE_BUCKET_NAME): copy it there, or add --no-media"
        fi
        if [[ -d "$MEDIA_ROOT" && -n "$(ls -A "$MEDIA_ROOT")" && "$force" != 1 ]]; then
            die "the media folder $MEDIA_ROOT is not empty; add --force to write the backup's files over it"
        fi
        restore_media=1
    fi

    case "$DB_ENGINE" in
    postgresql)
        if [[ "$objects" == absent ]]; then
            log "creating the database $PGDATABASE"
            createdb --maintenance-db="${RESTORE_MAINTENANCE_DB:-postgres}" -- "$PGDATABASE"
            objects=0
        fi
        local clean=()
        if [[ "$objects" != 0 ]]; then
            clean=(--clean --if-exists)
        fi
        log "restoring into the PostgreSQL database $PGDATABASE"
        pg_restore --no-owner --no-acl --single-transaction --exit-on-error "${clean[@]}" \
            --dbname="$PGDATABASE" "$backup/$db_file"
        ;;
    sqlite)
        log "restoring into the SQLite database $DB_PATH"
        mkdir -p "$(dirname "$DB_PATH")"
        "$PY" - "$backup/$db_file" "$DB_PATH" <<'PYTHON'
import sqlite3, sys

source = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
target = sqlite3.connect(sys.argv[2], timeout=60)
with target:
    source.backup(target)  # replaces the whole database, through its own journal
source.close()
target.execute("PRAGMA journal_mode=WAL")  # as the site runs it
result = target.execute("PRAGMA integrity_check").fetchone()[0]
target.close()
if result != "ok":
    sys.exit(f"the restored database failed its integrity check: {result}")
PYTHON
        ;;
    esac

    if [[ "$restore_media" == 1 ]]; then
        log "unpacking the media into $MEDIA_ROOT"
        mkdir -p "$MEDIA_ROOT"
        tar --extract --gzip --file="$backup/media.tar.gz" --directory="$MEDIA_ROOT" \
            --no-same-owner --no-overwrite-dir
    elif [[ "$with_media" == 1 ]]; then
        log "media: $media"
    fi
    log "restored $backup"
    log "next: manage.py migrate if the code is newer than the backup, then start the site"
}

restore_main "$@"
