#!/usr/bin/env bash
# The README's test command: installs what the tests need (pinned, project-local) and runs every test.
#   - the Solidity artifacts must rebuild byte-identically with the pinned solc (npm, contracts-abi/)
#   - every Rust test of the workspace: the core's property suite, the differential tests of the
#     contracts against the core on the embedded EVM (DIFF_CASES, default 1,000 sequences) and on a
#     real Anvil and an Anvil fork, the contract invariant suite, the gas ceilings and the committed
#     gas report (contracts-abi/GAS.md, equal on the embedded EVM and Anvil), the Anvil backend
#     suite (restarts, reorgs, nonces, reverts, WebSocket)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

echo "== tools: pinned Anvil, forge, cast, headless Chromium (npm), slither, halmos (venv), project-local ($(date -u +%T), ${SECONDS} s in)"
scripts/install-tools.sh
# The Anvil tests find the project-local binary themselves; export it for any other consumer.
ANVIL_BIN="$(scripts/install-tools.sh --print-paths | sed -n 's/^ANVIL=//p')"
export ANVIL_BIN

echo "== contracts: rebuild with the pinned solc and compare with the committed artifacts ($(date -u +%T), ${SECONDS} s in)"
scripts/build-contracts.sh --check

echo "== cargo test (workspace) ($(date -u +%T), ${SECONDS} s in)"
cargo test --workspace --locked --no-fail-fast

echo "== contracts: forge, halmos, slither ($(date -u +%T), ${SECONDS} s in)"
scripts/assurance.sh
