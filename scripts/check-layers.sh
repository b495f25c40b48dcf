#!/usr/bin/env bash
# Fails when a file includes a header of a higher layer. The layers, lowest first:
#   core < db < http < access < jobs < domain < api < server < app
# and the domain folders among themselves: knowledge < models < agents (content and workspace
# will sit above agents). In lib/api, common/ is the kit: a dialect folder may include the kit
# and its own files, never another dialect's.
set -euo pipefail
cd "$(dirname "$0")/.."

rank() {
  case "$1" in
    core) echo 0 ;; db) echo 1 ;; http) echo 2 ;; access) echo 3 ;; jobs) echo 4 ;;
    knowledge) echo 5 ;; models) echo 6 ;; agents) echo 7 ;; content) echo 8 ;; workspace) echo 9 ;;
    api) echo 10 ;; server) echo 11 ;; app) echo 12 ;;
    *) echo "" ;;
  esac
}

status=0
while IFS= read -r file; do
  if [[ "$file" == app/* ]]; then layer=app; dialect=""
  else
    rel=${file#lib/}
    layer=${rel%%/*}
    dialect=""
    if [[ "$layer" == api ]]; then sub=${rel#api/}; dialect=${sub%%/*}; fi
  fi
  own=$(rank "$layer")
  [ -n "$own" ] || continue
  while IFS= read -r line; do
    inc=$(sed -E 's/^#include "([^"]+)".*/\1/' <<<"$line")
    target=${inc%%/*}
    [[ "$inc" == */* ]] || continue
    theirs=$(rank "$target")
    [ -n "$theirs" ] || continue
    if (( theirs > own )); then
      echo "layering: $file includes $inc ($target is above $layer)"
      status=1
    elif [[ "$layer" == api && "$target" == api ]]; then
      rest=${inc#api/}; other=${rest%%/*}
      if [[ "$other" != common && "$other" != "$dialect" ]]; then
        echo "layering: $file includes $inc (a dialect includes another dialect, or the kit a dialect)"
        status=1
      fi
    fi
  done < <(grep -E '^#include "' "$file" || true)
done < <(find lib app -name '*.hpp' -o -name '*.cpp' | sort)

if (( status == 0 )); then echo "layering: ok"; fi
exit $status
