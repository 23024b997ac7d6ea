#!/usr/bin/env bash
# Install the pinned tools of the contract assurance suite into project-local, git-ignored folders:
#   tools/node_modules  (npm ci in tools/: forge, anvil, cast 1.7.1; forge-std 1.9.7 from
#                       @layerzerolabs/toolbox-foundry 0.1.13; Aave v3 core 1.19.3's compiled
#                       artifacts from @aave/core-v3, loaded at run time by backstop-chain's aave
#                       module; Uniswap V2 core 1.0.1's factory and pair bytecode from
#                       @uniswap/v2-core, loaded by backstop-chain's uniswap module and the forge
#                       tests; pins in tools/package-lock.json)
#   tools/browser/node_modules  (npm ci in tools/browser/: @sparticuz/chromium 143.0.4, a headless
#                       Chromium 143 for x86-64 Linux, and puppeteer-core 24.34.0, made for Chrome
#                       143; pins in tools/browser/package-lock.json), with the Chromium unpacked
#                       into tools/browser/chromium/ for the HTML report's browser test
#                       (tests/browser/check-report.mjs)
#   .tools/venv         (CPython 3.11 venv: slither-analyzer, halmos and every dependency pinned with
#                       == in tools/requirements.txt, installed from wheels with --no-deps)
#   .tools/prometheus   (promtool alone, from Debian bookworm's prometheus package, pinned at
#                       2.42.0+ds-5+b6: `apt-get download`, unpacked here, nothing installed
#                       system-wide and no service started; apt's package lists are refreshed
#                       with `apt-get update` when they lack that version, which needs root)
# The compiler is not installed here: contracts-abi/tools/solc (SOLC_WRAPPER) wraps the npm solc that
# scripts/build-contracts.sh installs into contracts-abi/node_modules.
#
#   scripts/install-tools.sh                 install what is missing or out of date; silent when
#                                            everything is already installed from the same pins
#   scripts/install-tools.sh --print-paths   the same, then print one NAME=absolute-path per line:
#                                            FORGE, ANVIL, CAST, SLITHER, HALMOS, SOLC_WRAPPER,
#                                            AAVE_CORE (the @aave/core-v3 package folder)
#                                            UNISWAP_V2_CORE (the @uniswap/v2-core package folder)
#                                            PROMTOOL
#                                            CHROMIUM (the headless Chromium binary)
#                                            (progress goes to stderr, so stdout is only the paths)
#
# Each part is skipped when its stamp (sha256 of the lock / requirements file, and the Python version
# for the venv; the package version for promtool) matches and its binaries exist. BACKSTOP_PYTHON picks the interpreter (default:
# python3.11, else python3 if it is 3.11). Works from any directory; exits non-zero with a message
# naming the failed step.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/tools"
VENV="$ROOT/.tools/venv"
PRINT=0
case "${1:-}" in
  "") ;;
  --print-paths) PRINT=1 ;;
  -h|--help) sed -n '2,35p' "${BASH_SOURCE[0]}"; exit 0 ;;
  *) echo "install-tools: unknown argument: $1 (expected --print-paths)" >&2; exit 2 ;;
esac

FORGE="$TOOLS/node_modules/@foundry-rs/forge-linux-amd64/bin/forge"
ANVIL="$TOOLS/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
CAST="$TOOLS/node_modules/@foundry-rs/cast-linux-amd64/bin/cast"
FORGE_STD="$TOOLS/node_modules/@layerzerolabs/toolbox-foundry/lib/forge-std"
AAVE_CORE="$TOOLS/node_modules/@aave/core-v3"
AAVE_CORE_VERSION="1.19.3"
UNISWAP_V2_CORE="$TOOLS/node_modules/@uniswap/v2-core"
UNISWAP_V2_CORE_VERSION="1.0.1"
SLITHER="$VENV/bin/slither"
HALMOS="$VENV/bin/halmos"
SOLC_WRAPPER="$ROOT/contracts-abi/tools/solc"
FOUNDRY_VERSION="1.7.1"
PROMETHEUS_DEB="prometheus=2.42.0+ds-5+b6"
PROMTOOL_DIR="$ROOT/.tools/prometheus"
PROMTOOL="$PROMTOOL_DIR/usr/bin/promtool"
BROWSER="$TOOLS/browser"
CHROMIUM="$BROWSER/chromium/chromium"
CHROMIUM_VERSION="143.0.7499"

die() { echo "install-tools: $*" >&2; exit 1; }
# Run a command quietly: its output is shown (on stderr) only if it fails.
quiet() {
  local log rc=0
  log="$(mktemp)"
  "$@" >"$log" 2>&1 || rc=$?
  if (( rc )); then cat "$log" >&2; fi
  rm -f "$log"
  return "$rc"
}
sha256() { sha256sum "$1" | cut -d' ' -f1; }

[[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]] \
  || die "the pinned Foundry packages are linux-amd64 only (this is $(uname -s)-$(uname -m))"

# ---- npm: forge, anvil, cast, forge-std, @aave/core-v3, @uniswap/v2-core ----
command -v npm >/dev/null 2>&1 || die "npm is required (node 20 or later)"
NPM_STAMP="$TOOLS/node_modules/.backstop-lock-sha256"
npm_want="$(sha256 "$TOOLS/package-lock.json")"
if [[ ! -f "$NPM_STAMP" || "$(cat "$NPM_STAMP")" != "$npm_want" || ! -x "$FORGE" || ! -x "$ANVIL" \
      || ! -x "$CAST" || ! -f "$FORGE_STD/Test.sol" || ! -f "$AAVE_CORE/package.json" \
      || ! -f "$UNISWAP_V2_CORE/package.json" ]]; then
  echo "install-tools: npm ci (tools/: forge, anvil, cast $FOUNDRY_VERSION, forge-std, @aave/core-v3 $AAVE_CORE_VERSION, @uniswap/v2-core $UNISWAP_V2_CORE_VERSION)" >&2
  rm -f "$NPM_STAMP"
  (cd "$TOOLS" && quiet npm ci --no-audit --no-fund --loglevel=error) || die "npm ci in tools/ failed"
  for bin in "$FORGE" "$ANVIL" "$CAST"; do
    [[ -x "$bin" ]] || die "npm ci did not install $bin"
    "$bin" --version 2>/dev/null | grep -q "Version: $FOUNDRY_VERSION" \
      || die "$bin is not version $FOUNDRY_VERSION: $("$bin" --version 2>&1 | head -1)"
  done
  grep -q "\"version\": \"$AAVE_CORE_VERSION\"" "$AAVE_CORE/package.json" 2>/dev/null \
    || die "npm ci did not install @aave/core-v3 $AAVE_CORE_VERSION into $AAVE_CORE"
  grep -q "\"version\": \"$UNISWAP_V2_CORE_VERSION\"" "$UNISWAP_V2_CORE/package.json" 2>/dev/null \
    || die "npm ci did not install @uniswap/v2-core $UNISWAP_V2_CORE_VERSION into $UNISWAP_V2_CORE"
  printf '%s' "$npm_want" >"$NPM_STAMP"
fi

# ---- npm: headless Chromium (@sparticuz/chromium) and puppeteer-core, for the report's browser test ----
BROWSER_STAMP="$BROWSER/chromium/.backstop-lock-sha256"
browser_want="$(sha256 "$BROWSER/package-lock.json")"
if [[ ! -f "$BROWSER_STAMP" || "$(cat "$BROWSER_STAMP")" != "$browser_want" || ! -x "$CHROMIUM" \
      || ! -f "$BROWSER/node_modules/puppeteer-core/package.json" ]]; then
  echo "install-tools: npm ci (tools/browser/: @sparticuz/chromium, puppeteer-core), Chromium $CHROMIUM_VERSION into tools/browser/chromium" >&2
  rm -rf "$BROWSER/chromium"
  (cd "$BROWSER" && quiet npm ci --no-audit --no-fund --loglevel=error) \
    || die "npm ci in tools/browser/ failed"
  mkdir -p "$BROWSER/chromium"
  # @sparticuz/chromium unpacks its brotli archives into the temporary folder: point it here.
  (cd "$BROWSER" && TMPDIR="$BROWSER/chromium" quiet node -e \
    "import('@sparticuz/chromium').then((m) => m.default.executablePath())") \
    || die "unpacking @sparticuz/chromium into $BROWSER/chromium failed"
  [[ -x "$CHROMIUM" ]] || die "@sparticuz/chromium did not unpack $CHROMIUM"
  "$CHROMIUM" --headless --no-sandbox --version 2>/dev/null | grep -q "Chromium $CHROMIUM_VERSION" \
    || die "$CHROMIUM does not run or is not Chromium $CHROMIUM_VERSION: $("$CHROMIUM" --headless --no-sandbox --version 2>&1 | head -1)"
  printf '%s' "$browser_want" >"$BROWSER_STAMP"
fi

# ---- Python venv: slither, halmos ----
pick_python() {
  local cand
  for cand in ${BACKSTOP_PYTHON:-} python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1 \
        && "$cand" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) and sys.implementation.name == "cpython" else 1)' 2>/dev/null; then
      command -v "$cand"
      return 0
    fi
  done
  return 1
}
VENV_STAMP="$VENV/.backstop-requirements-sha256"
venv_want="$(sha256 "$TOOLS/requirements.txt")"
venv_ok=0
if [[ -f "$VENV_STAMP" && -x "$VENV/bin/python" && -x "$SLITHER" && -x "$HALMOS" ]]; then
  venv_have_py="$("$VENV/bin/python" -c 'import platform; print(platform.python_version())' 2>/dev/null || true)"
  [[ "$(cat "$VENV_STAMP")" == "$venv_want $venv_have_py" ]] && venv_ok=1
fi
if (( ! venv_ok )); then
  PY="$(pick_python)" || die "CPython 3.11 is required for .tools/venv (set BACKSTOP_PYTHON to one)"
  echo "install-tools: creating .tools/venv with $("$PY" --version 2>&1) (slither, halmos)" >&2
  rm -rf "$VENV"
  mkdir -p "$ROOT/.tools"
  "$PY" -m venv "$VENV" || die "python -m venv failed"
  export PIP_DISABLE_PIP_VERSION_CHECK=1
  quiet "$VENV/bin/python" -m pip install --no-input --no-deps --only-binary=:all: \
    -r "$TOOLS/requirements.txt" || die "pip install -r tools/requirements.txt failed"
  quiet "$VENV/bin/python" -m pip check \
    || die "the pinned Python requirements are inconsistent (pip check)"
  [[ -x "$SLITHER" && -x "$HALMOS" ]] || die "slither or halmos missing from .tools/venv/bin"
  py_ver="$("$VENV/bin/python" -c 'import platform; print(platform.python_version())')"
  printf '%s %s' "$venv_want" "$py_ver" >"$VENV_STAMP"
fi

# ---- promtool: the keeper's alert rules (examples/ops/prometheus) are tested with it ----
PROMTOOL_STAMP="$PROMTOOL_DIR/.backstop-package"
if [[ ! -x "$PROMTOOL" || "$(cat "$PROMTOOL_STAMP" 2>/dev/null)" != "$PROMETHEUS_DEB" ]]; then
  command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 \
    || die "promtool comes from Debian's $PROMETHEUS_DEB: apt-get and dpkg-deb are required"
  echo "install-tools: promtool from Debian's $PROMETHEUS_DEB (.tools/prometheus)" >&2
  deb_dir="$(mktemp -d)"
  if ! (cd "$deb_dir" && quiet apt-get download "$PROMETHEUS_DEB"); then
    (( EUID == 0 )) || die "apt cannot fetch $PROMETHEUS_DEB (its package lists lack it): run \`sudo apt-get update\` (or this script as root) and try again"
    quiet apt-get update || die "apt-get update failed"
    (cd "$deb_dir" && quiet apt-get download "$PROMETHEUS_DEB") \
      || die "apt-get download $PROMETHEUS_DEB failed (is this Debian bookworm with its main archive?)"
  fi
  rm -rf "$PROMTOOL_DIR"
  mkdir -p "$PROMTOOL_DIR"
  dpkg-deb --fsys-tarfile "$deb_dir"/prometheus_*.deb | tar -x -C "$PROMTOOL_DIR" ./usr/bin/promtool \
    || die "could not unpack promtool from $deb_dir/prometheus_*.deb"
  rm -rf "$deb_dir"
  "$PROMTOOL" --version 2>&1 | grep -qF "revision: ${PROMETHEUS_DEB#prometheus=})" \
    || die "$PROMTOOL is not from $PROMETHEUS_DEB: $("$PROMTOOL" --version 2>&1 | head -1)"
  printf '%s' "$PROMETHEUS_DEB" >"$PROMTOOL_STAMP"
fi

[[ -x "$SOLC_WRAPPER" ]] || die "$SOLC_WRAPPER is missing or not executable"

if (( PRINT )); then
  printf 'FORGE=%s\nANVIL=%s\nCAST=%s\nSLITHER=%s\nHALMOS=%s\nSOLC_WRAPPER=%s\nAAVE_CORE=%s\nUNISWAP_V2_CORE=%s\nPROMTOOL=%s\nCHROMIUM=%s\n' \
    "$FORGE" "$ANVIL" "$CAST" "$SLITHER" "$HALMOS" "$SOLC_WRAPPER" "$AAVE_CORE" "$UNISWAP_V2_CORE" "$PROMTOOL" "$CHROMIUM"
fi
