#!/usr/bin/env bash
# The README's test command: installs what the tests need (pinned, project-local) and runs every test.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

echo "== cargo test (workspace)"
cargo test --workspace --locked
