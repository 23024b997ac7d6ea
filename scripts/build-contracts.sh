#!/usr/bin/env bash
# Build the Solidity contracts of contracts-abi/ with the pinned solc (npm `solc`, exact version in
# contracts-abi/package.json) and write contracts-abi/artifacts/<Contract>.json.
#
#   scripts/build-contracts.sh           compile and (re)write the artifacts
#   scripts/build-contracts.sh --check   compile into a temporary folder and fail (exit 1), naming
#                                        the files, if any artifact differs from contracts-abi/artifacts
#
# `npm ci` runs only when contracts-abi/node_modules is missing or package-lock.json changed since
# the last install. Works from any directory.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ABI="$ROOT/contracts-abi"
CHECK=0
case "${1:-}" in
  "") ;;
  --check) CHECK=1 ;;
  -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}"; exit 0 ;;
  *) echo "build-contracts: unknown argument: $1 (expected --check)" >&2; exit 2 ;;
esac

command -v node >/dev/null 2>&1 || { echo "build-contracts: node is required" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "build-contracts: npm is required" >&2; exit 1; }

# ---- dependencies: npm ci when node_modules is missing or the lock changed ----
lock_hash() { node -e 'const c=require("crypto"),f=require("fs");process.stdout.write(c.createHash("sha256").update(f.readFileSync(process.argv[1])).digest("hex"))' "$ABI/package-lock.json"; }
STAMP="$ABI/node_modules/.backstop-lock-sha256"
want="$(lock_hash)"
if [[ ! -d "$ABI/node_modules/solc" || ! -f "$STAMP" || "$(cat "$STAMP")" != "$want" ]]; then
  echo "build-contracts: npm ci (contracts-abi)" >&2
  (cd "$ABI" && npm ci --no-audit --no-fund --loglevel=error >&2)
  printf '%s' "$want" >"$STAMP"
fi

if (( ! CHECK )); then
  node "$ABI/scripts/compile.js" "$ABI/artifacts"
  exit 0
fi

# ---- --check: compile into a temp folder and compare with the committed artifacts ----
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
node "$ABI/scripts/compile.js" "$TMP" >/dev/null

bad=()
while IFS= read -r name; do
  if [[ ! -f "$ABI/artifacts/$name" ]]; then
    bad+=("contracts-abi/artifacts/$name (missing)")
  elif ! cmp -s "$TMP/$name" "$ABI/artifacts/$name"; then
    bad+=("contracts-abi/artifacts/$name (differs)")
  fi
done < <(cd "$TMP" && find . -name '*.json' | sed 's#^\./##' | sort)
if [[ -d "$ABI/artifacts" ]]; then
  while IFS= read -r name; do
    [[ -f "$TMP/$name" ]] || bad+=("contracts-abi/artifacts/$name (stale: no such contract)")
  done < <(cd "$ABI/artifacts" && find . -name '*.json' | sed 's#^\./##' | sort)
fi

if (( ${#bad[@]} )); then
  echo "build-contracts --check: artifacts are out of date; run scripts/build-contracts.sh and commit:" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "build-contracts --check: $(cd "$TMP" && find . -name '*.json' | wc -l) artifacts up to date"
