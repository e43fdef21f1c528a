#!/usr/bin/env bash
# Back up the site's database and uploaded media into a timestamped folder.
#
#   deploy/backup.sh [--env-file /etc/civic/civic.env] [--dest DIR] [--keep-days N] [--no-media]
#
# It reads the same settings as the site: DATABASE_URL (PostgreSQL, or the SQLite file
# VAR_DIR/db.sqlite3 when unset), MEDIA_ROOT (VAR_DIR/media when unset) and VAR_DIR
# (the repository's var/ when unset), from the environment or from the environment
# file given with --env-file (its values replace those of the calling environment).
#
#   PostgreSQL  pg_dump --format=custom --no-owner   -> database.dump
#   SQLite      SQLite's online backup (consistent even while the site writes) -> database.sqlite3
#   media       a tar of MEDIA_ROOT (documents, images, original_images)   -> media.tar.gz
#               not when media is on object storage (AWS_STORAGE_BUCKET_NAME set):
#               the bucket keeps it (versioning, sync or the provider's snapshots)
#
# Not backed up: People exports (MEMBERSHIP_EXPORT_ROOT: temporary files, deleted after
# a day; a new export is made from the database), caches (var/cache, var/page-cache,
# Redis) and collected static files (collectstatic). The folder also holds backup.info
# and SHA256SUMS, which deploy/restore.sh checks. Backups older than --keep-days days
# (BACKUP_KEEP_DAYS, default 14; 0 keeps every backup) are deleted after a successful
# backup.
# Destination: --dest, else BACKUP_DIR, else VAR_DIR/backups. See docs/deployment.md.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# deploy/restore.sh sources this file for the helpers below; the backup itself runs
# only when the file is executed (see the end).
PROGRAM="${PROGRAM:-backup}"

die() {
    echo "$PROGRAM: $*" >&2
    exit 1
}

log() {
    echo "$PROGRAM: $*"
}

# Read KEY=VALUE lines as systemd's EnvironmentFile does: blank lines and lines
# starting with # or ; are ignored, and one pair of surrounding quotes is removed.
load_env_file() {
    local file="$1" line key value
    [[ -r "$file" ]] || die "cannot read the environment file $file"
    while IFS= read -r line || [[ -n "$line" ]]; do
        line="${line#"${line%%[![:space:]]*}"}"
        [[ -z "$line" || "$line" == \#* || "$line" == \;* ]] && continue
        line="${line#export }"
        [[ "$line" == *=* ]] || continue
        key="${line%%=*}"
        key="${key%"${key##*[![:space:]]}"}"
        value="${line#*=}"
        value="${value#"${value%%[![:space:]]*}"}"
        value="${value%"${value##*[![:space:]]}"}"
        if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then
            value="${BASH_REMATCH[1]}"
        fi
        [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "$file: not a variable name: $key"
        export "$key=$value"
    done <"$file"
}

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" "$ROOT/.venv/bin/python" python3; do
        if [[ -n "$candidate" ]] && command -v "$candidate" >/dev/null 2>&1; then
            echo "$candidate"
            return
        fi
    done
    die "python3 is needed (for the database address and SQLite's backup)"
}

# DATABASE_URL -> DB_ENGINE (postgresql or sqlite) and, for SQLite, DB_PATH; for
# PostgreSQL the libpq variables PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE (and
# PGSSLMODE… from the query), so that no password appears on a command line.
parse_database_url() {
    local assignments
    assignments="$(
        "$PY" - "$ROOT" <<'PYTHON'
import os, shlex, sys
from urllib.parse import parse_qsl, unquote, urlsplit

root = sys.argv[1]
var_dir = os.environ.get("VAR_DIR") or os.path.join(root, "var")
url = os.environ.get("DATABASE_URL") or "sqlite:///" + os.path.join(var_dir, "db.sqlite3")
scheme = url.split("://", 1)[0].lower() if "://" in url else ""
out = {}
if scheme.startswith("sqlite"):
    path = url.split("://", 1)[1]
    path = path[1:] if path.startswith("/") else path  # sqlite:////abs, sqlite:///rel
    if not path or path == ":memory:":
        sys.exit("DATABASE_URL names an in-memory SQLite database: nothing to back up")
    out["DB_ENGINE"] = "sqlite"
    out["DB_PATH"] = os.path.abspath(os.path.join(root, unquote(path.split("?", 1)[0])))
elif scheme in {"postgres", "postgresql", "pgsql", "postgis"} or scheme.startswith("postgresql+"):
    parts = urlsplit(url)
    out["DB_ENGINE"] = "postgresql"
    hostinfo = parts.netloc.rpartition("@")[2]  # host[:port], [v6][:port] or %2Fsocket
    if hostinfo.startswith("["):
        host = hostinfo[1 : hostinfo.index("]")]
    else:
        host = hostinfo.rsplit(":", 1)[0] if ":" in hostinfo else hostinfo
    out["PGHOST"] = unquote(host)
    out["PGPORT"] = str(parts.port or "")
    out["PGUSER"] = unquote(parts.username or "")
    out["PGPASSWORD"] = unquote(parts.password or "")
    out["PGDATABASE"] = unquote(parts.path.lstrip("/"))
    names = {
        "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
        "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT",
        "application_name": "PGAPPNAME", "options": "PGOPTIONS", "passfile": "PGPASSFILE",
        "target_session_attrs": "PGTARGETSESSIONATTRS", "service": "PGSERVICE",
    }
    for key, value in parse_qsl(parts.query):
        if key in names:
            out[names[key]] = value
    if not out["PGDATABASE"]:
        sys.exit("DATABASE_URL names no database")
else:
    sys.exit(f"DATABASE_URL: {scheme or url!r} is neither PostgreSQL nor SQLite")
for key, value in out.items():
    print(f"{key}={shlex.quote(value)}")
PYTHON
    )" || die "could not read DATABASE_URL"
    local line
    while IFS= read -r line; do
        [[ -n "$line" ]] || continue
        eval "export $line"
    done <<<"$assignments"
    # empty libpq variables would mean "empty", not "default"
    local name
    for name in PGHOST PGPORT PGUSER PGPASSWORD; do
        [[ -n "${!name:-}" ]] || unset "$name"
    done
}

# The settings the site reads: VAR_DIR, MEDIA_ROOT, the database (parse_database_url).
read_site_settings() {
    PY="$(find_python)"
    VAR_DIR="${VAR_DIR:-$ROOT/var}"
    MEDIA_ROOT="${MEDIA_ROOT:-$VAR_DIR/media}"
    parse_database_url
}

backup_usage() {
    sed -n '2,23p' "$ROOT/deploy/backup.sh" | sed 's/^# \{0,1\}//'
}

backup_main() {
    umask 077 # backups hold personal data (members' names and addresses)
    local env_file="" dest="" keep_days="" with_media=1
    while [[ $# -gt 0 ]]; do
        case "$1" in
        --env-file) env_file="${2:?--env-file needs a file}"; shift 2 ;;
        --env-file=*) env_file="${1#*=}"; shift ;;
        --dest) dest="${2:?--dest needs a folder}"; shift 2 ;;
        --dest=*) dest="${1#*=}"; shift ;;
        --keep-days) keep_days="${2:?--keep-days needs a number}"; shift 2 ;;
        --keep-days=*) keep_days="${1#*=}"; shift ;;
        --no-media) with_media=0; shift ;;
        -h | --help) backup_usage; exit 0 ;;
        *) die "unknown option $1 (see --help)" ;;
        esac
    done

    if [[ -n "$env_file" ]]; then
        load_env_file "$env_file"
    fi
    read_site_settings
    dest="${dest:-${BACKUP_DIR:-$VAR_DIR/backups}}"
    keep_days="${keep_days:-${BACKUP_KEEP_DAYS:-14}}"
    [[ "$keep_days" =~ ^[0-9]+$ ]] || die "--keep-days must be a whole number of days, not $keep_days"

    mkdir -p "$dest"
    dest="$(cd "$dest" && pwd)"
    # One backup at a time (a nightly timer and a manual run may meet).
    exec 9>"$dest/.backup.lock"
    if command -v flock >/dev/null 2>&1; then
        flock -n 9 || die "another backup into $dest is running"
    fi

    local stamp name
    stamp="$(date -u +%Y%m%dT%H%M%SZ)"
    name="civic-$stamp"
    [[ ! -e "$dest/$name" ]] || die "$dest/$name exists already"
    WORK="$dest/.$name.partial"
    rm -rf "$WORK"
    mkdir "$WORK"
    trap 'rm -rf "$WORK"' EXIT

    local db_file
    case "$DB_ENGINE" in
    postgresql)
        command -v pg_dump >/dev/null 2>&1 ||
            die "pg_dump is needed (Debian: apt-get install postgresql-client)"
        log "dumping the PostgreSQL database $PGDATABASE"
        pg_dump --format=custom --no-owner --file="$WORK/database.dump"
        db_file="database.dump"
        ;;
    sqlite)
        [[ -f "$DB_PATH" ]] || die "no SQLite database at $DB_PATH"
        log "copying the SQLite database $DB_PATH"
        "$PY" - "$DB_PATH" "$WORK/database.sqlite3" <<'PYTHON'
import sqlite3, sys

source = sqlite3.connect(sys.argv[1], timeout=60)
target = sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)  # one consistent snapshot, WAL included; never a plain copy
source.close()
result = target.execute("PRAGMA integrity_check").fetchone()[0]
target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
target.close()
if result != "ok":
    sys.exit(f"the copy failed its integrity check: {result}")
PYTHON
        db_file="database.sqlite3"
        ;;
    esac

    local media="none" files=("$db_file")
    if [[ "$with_media" == 0 ]]; then
        media="left out (--no-media)"
    elif [[ -n "${AWS_STORAGE_BUCKET_NAME:-}" ]]; then
        media="object storage (bucket $AWS_STORAGE_BUCKET_NAME), not in this backup"
        log "media is in the bucket $AWS_STORAGE_BUCKET_NAME: it is backed up there (docs/deployment.md)"
    elif [[ -d "$MEDIA_ROOT" ]]; then
        log "archiving the media folder $MEDIA_ROOT"
        local exclude=() exports
        # People exports are temporary; should they live inside MEDIA_ROOT, leave them out.
        exports="$(realpath -m "${MEMBERSHIP_EXPORT_ROOT:-$VAR_DIR/exports}")"
        if [[ "$exports/" == "$(realpath -m "$MEDIA_ROOT")/"* ]]; then
            exclude=(--exclude="./${exports#"$(realpath -m "$MEDIA_ROOT")/"}")
        fi
        # The site keeps running: a rendition made or deleted while tar reads the
        # folder is not an error (tar's exit code 1 means only "a file changed");
        # renditions are made again from the originals when missing.
        local status=0
        tar --create --gzip --file="$WORK/media.tar.gz" "${exclude[@]}" \
            --warning=no-file-changed --warning=no-file-removed \
            --directory="$MEDIA_ROOT" . || status=$?
        if ((status > 1)); then
            die "tar could not archive $MEDIA_ROOT (exit code $status)"
        fi
        media="media.tar.gz"
        files+=(media.tar.gz)
    else
        log "no media folder at $MEDIA_ROOT: no media to archive"
    fi

    {
        echo "created=$stamp"
        echo "host=$(hostname 2>/dev/null || echo unknown)"
        echo "database_engine=$DB_ENGINE"
        echo "database_file=$db_file"
        echo "media=$media"
        if command -v git >/dev/null 2>&1 && git -C "$ROOT" rev-parse -q --verify HEAD >/dev/null 2>&1; then
            echo "code_commit=$(git -C "$ROOT" rev-parse HEAD)"
        fi
    } >"$WORK/backup.info"
    files+=(backup.info)
    (cd "$WORK" && sha256sum -- "${files[@]}" >SHA256SUMS)

    mv "$WORK" "$dest/$name"
    trap - EXIT
    log "backup written to $dest/$name"

    # What an interrupted backup (power cut, kill -9) left behind.
    find "$dest" -mindepth 1 -maxdepth 1 -type d -name '.civic-*.partial' -mtime +1 \
        -exec rm -rf -- {} +
    if [[ "$keep_days" -gt 0 ]]; then
        local old
        find "$dest" -mindepth 1 -maxdepth 1 -type d -name 'civic-*' -mtime "+$keep_days" -print0 |
            while IFS= read -r -d '' old; do
                log "removing $old (older than $keep_days days)"
                rm -rf -- "$old"
            done
    fi
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    backup_main "$@"
fi
