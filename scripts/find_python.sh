#!/usr/bin/env bash
# Print the path of a Python >= 3.12, or explain what to install and fail.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
candidates=(python3.13 python3.12 python3)
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for v in $(ls "$root/versions" 2>/dev/null | sort -rV); do candidates+=("$root/versions/$v/bin/python3"); done
fi
for c in "${candidates[@]}"; do
  p=$(command -v "$c" 2>/dev/null) || continue
  if ok "$p"; then echo "$p"; exit 0; fi
done
echo "Criterion needs Python 3.12 or newer (Django 6.1). Install it (e.g. 'apt-get install python3.12' or 'pyenv install 3.12') and run make again." >&2
exit 1
