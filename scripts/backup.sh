#!/usr/bin/env bash
# `make backup`: the database and the media files, into one folder.
#   PostgreSQL (DATABASE_URL=postgres://...): pg_dump custom format (db.dump)
#   SQLite (no DATABASE_URL): an online copy of the file (db.sqlite3)
#   media: MEDIA_ROOT as media.tar.gz
# Usage: scripts/backup.sh [OUTPUT_DIR]   (default backups/<UTC timestamp>)
# Prints the folder and the seconds it took; restore with scripts/restore.sh DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
OUT=${1:-backups/$(date -u +%Y%m%dT%H%M%SZ)}
MEDIA_ROOT=${MEDIA_ROOT:-$PWD/media}
mkdir -p "$OUT"
started=$(date +%s%3N)

if [[ "${DATABASE_URL:-}" == postgres* ]]; then
  pg_dump --format=custom --no-owner --file="$OUT/db.dump" "$DATABASE_URL"
else
  SRC=${SQLITE_NAME:-$PWD/db.sqlite3}
  # sqlite3's backup API copies a consistent snapshot even while the app runs.
  "$PY" - "$SRC" "$OUT/db.sqlite3" <<'PYEOF'
import sqlite3, sys
src, dst = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
with dst:
    src.backup(dst)
PYEOF
fi

if [[ -d "$MEDIA_ROOT" ]]; then
  tar -czf "$OUT/media.tar.gz" -C "$MEDIA_ROOT" .
else
  tar -czf "$OUT/media.tar.gz" --files-from /dev/null
fi
(cd "$OUT" && sha256sum -- * > SHA256SUMS)
ms=$(( $(date +%s%3N) - started )); elapsed=$(printf "%d.%03d" $((ms / 1000)) $((ms % 1000)))
echo "backup written to $OUT in ${elapsed} s"
echo "$elapsed" > "$OUT/seconds"
