#!/usr/bin/env bash
# The README's test command: installs what the tests need (pinned, project-local) and runs every test.
#   - the Solidity artifacts must rebuild byte-identically with the pinned solc (npm, contracts-abi/)
#   - every Rust test of the workspace: the core's property suite, the differential tests of the
#     contracts against the core on the embedded EVM (DIFF_CASES, default 1,000 sequences) and on a
#     real Anvil and an Anvil fork, the contract invariant suite, the gas ceilings and the committed
#     gas report (contracts-abi/GAS.md, equal on the embedded EVM and Anvil), the Anvil backend
#     suite (restarts, reorgs, nonces, reverts, WebSocket)
#   - the contract assurance suite (scripts/assurance.sh: forge unit, fuzz and invariant tests,
#     halmos proofs, slither), beside the Rust tests
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

echo "== tools: pinned Anvil, forge, cast, headless Chromium (npm), slither, halmos (venv), promtool (deb), project-local ($(date -u +%T), ${SECONDS} s in)"
scripts/install-tools.sh
# The Anvil tests find the project-local binary themselves; export it for any other consumer.
ANVIL_BIN="$(scripts/install-tools.sh --print-paths | sed -n 's/^ANVIL=//p')"
export ANVIL_BIN

echo "== contracts: rebuild with the pinned solc and compare with the committed artifacts ($(date -u +%T), ${SECONDS} s in)"
scripts/build-contracts.sh --check

# The contract assurance suite (forge, halmos, slither) shares nothing with the Rust tests and runs
# mostly on one core (one solc, one solver at a time), so it runs beside the Rust build and tests;
# its output is printed, whole, after them, and either failing fails this script.
echo "== contracts: forge, halmos, slither, in the background ($(date -u +%T), ${SECONDS} s in)"
assurance_log="$(mktemp)"
trap 'rm -f "$assurance_log"' EXIT
scripts/assurance.sh >"$assurance_log" 2>&1 &
assurance_pid=$!

echo "== cargo test (workspace) ($(date -u +%T), ${SECONDS} s in)"
cargo_rc=0
cargo test --workspace --locked --no-fail-fast || cargo_rc=$?

echo "== contracts: waiting for forge, halmos, slither ($(date -u +%T), ${SECONDS} s in)"
assurance_rc=0
wait "$assurance_pid" || assurance_rc=$?
cat "$assurance_log"
echo "== tests done ($(date -u +%T), ${SECONDS} s in): cargo test exit $cargo_rc, assurance exit $assurance_rc"
(( cargo_rc == 0 && assurance_rc == 0 ))
