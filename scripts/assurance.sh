#!/usr/bin/env bash
# Contract assurance, offline: forge unit/fuzz/invariant tests, halmos symbolic proofs, slither.
# Installs the pinned tools first (scripts/install-tools.sh, and the npm solc through
# scripts/build-contracts.sh --check, which also proves the committed artifacts are up to date).
# Each step fails the script on any failure, timeout or finding. Works from any directory.
#
#   scripts/assurance.sh        everything, with FOUNDRY_PROFILE=ci (fuzz 1,024 runs; invariants
#                               256 runs x depth 64) unless FOUNDRY_PROFILE is set
#
# Steps: forge build (and its bytecode == contracts-abi/artifacts), forge test, halmos (yices for
# HalmosEnglishProofs, cvc5 bit-vectors-as-integers for HalmosDutchProofs), slither --fail-medium
# with contracts-abi/slither.config.json. See contracts-abi/README.md, "Assurance".
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ABI="$ROOT/contracts-abi"
VENV="$ROOT/.tools/venv"

"$ROOT/scripts/install-tools.sh"
"$ROOT/scripts/build-contracts.sh" --check >/dev/null

# forge from tools/ first on PATH (halmos and slither call `forge`); never the venv's bin, whose
# `solc` is solc-select's downloading shim.
export PATH="$ROOT/tools/node_modules/.bin:$PATH"
export FOUNDRY_PROFILE="${FOUNDRY_PROFILE:-ci}"
export FOUNDRY_DISABLE_NIGHTLY_WARNING=1
cd "$ABI"

passed=0
step() {
  local name="$1" t0=$SECONDS
  shift
  echo "-- $name"
  if ! "$@"; then
    echo "assurance: FAILED at: $name" >&2
    echo "assurance: $passed passed, 1 failed"
    exit 1
  fi
  passed=$((passed + 1))
  echo "-- $name: ok ($((SECONDS - t0)) s)"
}

# forge's bytecode for every artifact equals the committed one (same compiler and settings).
same_bytecode() {
  node - "$ABI" <<'EOF'
const fs = require('fs'), path = require('path');
const abi = process.argv[2];
let bad = 0, n = 0;
for (const f of fs.readdirSync(path.join(abi, 'artifacts')).filter((f) => f.endsWith('.json'))) {
  const a = JSON.parse(fs.readFileSync(path.join(abi, 'artifacts', f), 'utf8'));
  const out = path.join(abi, 'out', path.basename(a.sourcePath), `${a.contractName}.json`);
  const o = JSON.parse(fs.readFileSync(out, 'utf8'));
  n++;
  if (o.bytecode.object !== a.bytecode || o.deployedBytecode.object !== a.deployedBytecode) {
    console.error(`forge bytecode differs from artifacts/${f}`);
    bad++;
  }
}
if (bad) process.exit(1);
console.log(`forge bytecode == artifacts for ${n} contracts`);
EOF
}

halmos_run() {
  local contract="$1" solver="$2"
  shift 2
  "$VENV/bin/halmos" --root "$ABI" --contract "$contract" --solver-command "$solver" \
    --solver-timeout-assertion 180s --solver-timeout-branching 10s --no-status "$@"
}
YICES="$VENV/bin/yices-smt2 --smt2-model-format --bvconst-in-decimal"
CVC5_INT="$VENV/bin/python $ROOT/tools/cvc5_smt2.py --produce-models --solve-bv-as-int=iand --iand-mode=bitwise"

# The build halmos asks for (`--ast --extra-output storageLayout metadata`): with the same output
# selection, halmos's own `forge build` and `forge test` find the cache fresh instead of compiling
# every contract again (about 90 s on 2 cores).
step "forge build" forge build --quiet --ast --extra-output storageLayout metadata
step "forge bytecode == committed artifacts" same_bytecode
step "forge test (unit, fuzz, invariant; profile $FOUNDRY_PROFILE)" forge test
step "halmos HalmosEnglishProofs (yices)" halmos_run HalmosEnglishProofs "$YICES"
step "halmos HalmosWaterfallProofs (yices)" halmos_run HalmosWaterfallProofs "$YICES"
step "halmos HalmosDutchProofs (cvc5, bit-vectors as integers)" halmos_run HalmosDutchProofs "$CVC5_INT" --loop 6
step "slither --fail-medium" "$VENV/bin/slither" . --config-file slither.config.json --fail-medium

echo "assurance: $passed passed, 0 failed"
