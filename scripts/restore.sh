#!/usr/bin/env bash
# `make restore FROM=backups/<stamp>`: put a backup from scripts/backup.sh back.
#   PostgreSQL: pg_restore --clean into DATABASE_URL (the database must exist)
#   SQLite: copy db.sqlite3 over SQLITE_NAME (default ./db.sqlite3)
#   media: MEDIA_ROOT is emptied and refilled from media.tar.gz
# Checks the backup's checksums first and refuses a damaged backup.
set -euo pipefail
cd "$(dirname "$0")/.."
FROM=${1:?usage: scripts/restore.sh BACKUP_DIR}
MEDIA_ROOT=${MEDIA_ROOT:-$PWD/media}
started=$(date +%s%3N)
(cd "$FROM" && sha256sum --check --quiet SHA256SUMS)

if [[ "${DATABASE_URL:-}" == postgres* ]]; then
  [[ -f "$FROM/db.dump" ]] || { echo "$FROM has no db.dump (a SQLite backup?)"; exit 1; }
  pg_restore --clean --if-exists --no-owner --exit-on-error \
    --dbname="$DATABASE_URL" "$FROM/db.dump"
else
  [[ -f "$FROM/db.sqlite3" ]] || { echo "$FROM has no db.sqlite3 (a PostgreSQL backup?)"; exit 1; }
  cp "$FROM/db.sqlite3" "${SQLITE_NAME:-$PWD/db.sqlite3}"
fi

mkdir -p "$MEDIA_ROOT"
find "$MEDIA_ROOT" -mindepth 1 -delete
tar -xzf "$FROM/media.tar.gz" -C "$MEDIA_ROOT"
ms=$(( $(date +%s%3N) - started )); elapsed=$(printf "%d.%03d" $((ms / 1000)) $((ms % 1000)))
echo "restored $FROM in ${elapsed} s"
