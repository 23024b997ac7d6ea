#!/usr/bin/env bash
# The README's test command: installs what the tests need (pinned, project-local) and runs every test.
#   - the Solidity artifacts must rebuild byte-identically with the pinned solc (npm, contracts-abi/)
#   - every Rust test of the workspace: the core's property suite, the differential tests of the
#     contracts against the core on the embedded EVM (DIFF_CASES, default 1,000 sequences), the
#     contract invariant suite and the gas ceilings
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

echo "== contracts: rebuild with the pinned solc and compare with the committed artifacts"
scripts/build-contracts.sh --check

echo "== cargo test (workspace)"
cargo test --workspace --locked
