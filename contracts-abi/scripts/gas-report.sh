#!/usr/bin/env bash
# Measure the gas of every keeper-facing action on a real Anvil and write contracts-abi/GAS.md.
#
#   ANVIL_BIN=/path/to/anvil CAST_BIN=/path/to/cast contracts-abi/scripts/gas-report.sh [--no-write]
#
# Anvil and cast 1.7.1 come from npm (@foundry-rs/anvil-linux-amd64@1.7.1,
# @foundry-rs/cast-linux-amd64@1.7.1), installed in a scratch folder outside the repo. Defaults: the
# binaries on PATH. The contracts are deployed from contracts-abi/artifacts (run
# scripts/build-contracts.sh first). Numbers are receipt gasUsed, the 21,000 base included.
#
# Measured state (what a running system looks like): the accountant carries bad debt and already
# has one unbid English auction and one Dutch sale in flight (so `Ash > 0` and `kicks > 0`); bidders
# and the sink already hold stablecoin and have approved the auctions; winners already hold
# governance tokens (a second table shows first-time winners, whose zero balance costs the 20,000-gas
# new-slot write of the mint).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
ART="$ROOT/artifacts"
ANVIL="${ANVIL_BIN:-anvil}"
CAST="${CAST_BIN:-cast}"
WRITE=1
[[ "${1:-}" == "--no-write" ]] && WRITE=0

for bin in "$ANVIL" "$CAST"; do
  command -v "$bin" >/dev/null 2>&1 || { echo "gas-report: $bin not found (set ANVIL_BIN / CAST_BIN)" >&2; exit 1; }
done
command -v node >/dev/null 2>&1 || { echo "gas-report: node not found" >&2; exit 1; }

# ---- anvil on a free port ----
port=""
for _ in $(seq 1 50); do
  p=$((20000 + RANDOM % 20000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[[ -n "$port" ]] || { echo "gas-report: no free port" >&2; exit 1; }
RPC="http://127.0.0.1:$port"
LOG="$(mktemp)"
"$ANVIL" --port "$port" --accounts 10 >"$LOG" 2>&1 &
ANVIL_PID=$!
cleanup() { kill "$ANVIL_PID" 2>/dev/null || true; wait "$ANVIL_PID" 2>/dev/null || true; rm -f "$LOG"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  "$CAST" block-number --rpc-url "$RPC" >/dev/null 2>&1 && break
  sleep 0.1
done
"$CAST" block-number --rpc-url "$RPC" >/dev/null

mapfile -t ACCTS < <("$CAST" rpc --rpc-url "$RPC" eth_accounts | node -e 'JSON.parse(require("fs").readFileSync(0,"utf8")).forEach(a=>console.log(a))')
DEPLOYER=${ACCTS[0]}
B1=${ACCTS[1]}; B2=${ACCTS[2]}; B3=${ACCTS[3]}
SINK=${ACCTS[4]}
KEEPER=${ACCTS[5]}
FRESH1=${ACCTS[6]}; FRESH2=${ACCTS[7]}; FRESH3=${ACCTS[8]}

WAD=1000000000000000000
RAY=1000000000000000000000000000
MAX=115792089237316195423570985008687907853269984665640564039457584007913129639935
e18() { echo "$1$(printf '0%.0s' $(seq 1 18))"; }
e27() { echo "$1$(printf '0%.0s' $(seq 1 27))"; }

artifact() { node -e 'const a=require(process.argv[1]); process.stdout.write(a[process.argv[2]])' "$ART/$1.json" "$2"; }

# send FROM TO SIG ARGS... -> prints gasUsed (fails on revert)
send() {
  local from=$1 to=$2; shift 2
  local tx
  if ! tx=$("$CAST" send --rpc-url "$RPC" --unlocked --from "$from" --async "$to" "$@" 2>&1); then
    echo "gas-report: tx failed: $to $*" >&2
    echo "$tx" >&2
    exit 1
  fi
  local status
  status=$("$CAST" receipt --rpc-url "$RPC" "$tx" status)
  if [[ "$status" != "true" && "$status" != "1" && "$status" != "1 (success)" ]]; then
    echo "gas-report: tx failed: $to $*" >&2; exit 1
  fi
  "$CAST" receipt --rpc-url "$RPC" "$tx" gasUsed
}
# deploy NAME SIG ARGS... -> prints the address
deploy() {
  local name=$1; shift
  local tx
  tx=$("$CAST" send --rpc-url "$RPC" --unlocked --from "$DEPLOYER" --async --create "$(artifact "$name" bytecode)" "$@")
  "$CAST" receipt --rpc-url "$RPC" "$tx" contractAddress
}
call() { "$CAST" call --rpc-url "$RPC" "$@" | awk '{print $1}'; }
warp() { "$CAST" rpc --rpc-url "$RPC" evm_increaseTime "$1" >/dev/null; "$CAST" rpc --rpc-url "$RPC" evm_mine >/dev/null; }

# ---- deploy ----
STABLE=$(deploy Stablecoin "constructor(string,string)" "Backstop USD" BUSD)
GOV=$(deploy GovToken "constructor(string,string)" "Backstop Governance" BGOV)
ORACLE=$(deploy PriceOracle "constructor(uint256)" "$(e27 200)")
ACC=$(deploy Accountant "constructor(address,address)" "$STABLE" "$SINK")
ENG=$(deploy EnglishDebtAuction "constructor(address,address,address,address)" "$ACC" "$STABLE" "$GOV" "$ORACLE")
DUT=$(deploy DutchDebtAuction "constructor(address,address,address,address)" "$ACC" "$STABLE" "$GOV" "$ORACLE")

# ---- wire ----
q() { send "$@" >/dev/null; }
q "$DEPLOYER" "$GOV" "rely(address)" "$ENG"
q "$DEPLOYER" "$GOV" "rely(address)" "$DUT"
q "$DEPLOYER" "$ACC" "rely(address)" "$ENG"
q "$DEPLOYER" "$ACC" "rely(address)" "$DUT"
q "$DEPLOYER" "$ENG" "rely(address)" "$ACC"
q "$DEPLOYER" "$DUT" "rely(address)" "$ACC"
q "$DEPLOYER" "$ACC" "file(bytes32,address)" "$("$CAST" format-bytes32-string english)" "$ENG"
q "$DEPLOYER" "$ACC" "file(bytes32,address)" "$("$CAST" format-bytes32-string dutch)" "$DUT"
SUMP=$(e18 50000)
DUMP=$(e18 250)
q "$DEPLOYER" "$ACC" "file(bytes32,uint256)" "$("$CAST" format-bytes32-string sump)" "$SUMP"
q "$DEPLOYER" "$ACC" "file(bytes32,uint256)" "$("$CAST" format-bytes32-string dump)" "$DUMP"
q "$DEPLOYER" "$ACC" "file(bytes32,uint256)" "$("$CAST" format-bytes32-string wait)" 0

# Bad debt, released from the queue.
q "$DEPLOYER" "$ACC" "fess(uint256)" "$(e18 5670000)"
ERA=$("$CAST" block --rpc-url "$RPC" latest --field timestamp)
q "$KEEPER" "$ACC" "flog(uint256)" "$ERA"

# Bidders, takers and the sink hold stablecoin; bidders approve both auctions (infinite).
for who in "$B1" "$B2" "$B3" "$SINK" "$KEEPER" "$FRESH1" "$FRESH2" "$FRESH3"; do
  q "$DEPLOYER" "$STABLE" "mint(address,uint256)" "$who" "$(e18 1000000)"
done
for who in "$B1" "$B2" "$B3" "$KEEPER" "$FRESH1" "$FRESH2" "$FRESH3"; do
  q "$who" "$STABLE" "approve(address,uint256)" "$ENG" "$MAX"
  q "$who" "$STABLE" "approve(address,uint256)" "$DUT" "$MAX"
done
# Earlier winners already hold governance tokens (the FRESH accounts do not).
for who in "$B1" "$B2" "$B3" "$KEEPER"; do
  q "$DEPLOYER" "$GOV" "mint(address,uint256)" "$who" "$(e18 1)"
done

# Auctions already in flight: one unbid English auction and one Dutch sale (Ash > 0, kicks > 0).
q "$KEEPER" "$ACC" "flop()"
q "$KEEPER" "$ACC" "flopDutch(address)" "$KEEPER"

declare -a ROWS=()
row() { ROWS+=("$1|$2|$3"); }   # name|gas|ceiling

beg_lot() { node -e 'const l=BigInt(process.argv[1]); console.log((l*10n**18n/1050000000000000000n).toString())' "$1"; }
lot_of() { call "$ENG" "bids(uint256)(uint256,uint256,address,uint256,uint256,uint256)" "$1" | sed -n 2p; }

# ---- English ----
g=$(send "$DEPLOYER" "$ENG" "kick(address,uint256,uint256)" "$ACC" "$DUMP" "$SUMP"); row "English kick (direct, by a ward)" "$g" 102862
ID_DIRECT=$(call "$ENG" "kicks()(uint256)")

lifecycle=0
g=$(send "$KEEPER" "$ACC" "flop()"); row "English kick through Accountant.flop()" "$g" 146859; lifecycle=$((lifecycle + g))
ID=$(call "$ENG" "kicks()(uint256)")
L=$(beg_lot "$(lot_of "$ID")")
warp 12; g=$(send "$B1" "$ENG" "dent(uint256,uint256,uint256)" "$ID" "$L" "$SUMP"); row "English first bid (dent)" "$g" 86188; lifecycle=$((lifecycle + g))
L=$(beg_lot "$L")
warp 12; g=$(send "$B2" "$ENG" "dent(uint256,uint256,uint256)" "$ID" "$L" "$SUMP"); row "English outbid by another bidder (dent)" "$g" 61163; lifecycle=$((lifecycle + g))
L=$(beg_lot "$L")
warp 12; g=$(send "$B3" "$ENG" "dent(uint256,uint256,uint256)" "$ID" "$L" "$SUMP"); lifecycle=$((lifecycle + g))
L=$(beg_lot "$L")
warp 12; g=$(send "$B3" "$ENG" "dent(uint256,uint256,uint256)" "$ID" "$L" "$SUMP"); row "English same bidder lowering its lot (dent)" "$g" 42252
warp $((3 * 3600))
g=$(send "$KEEPER" "$ENG" "deal(uint256)" "$ID"); row "English deal (winner holds governance tokens)" "$g" 55106; lifecycle=$((lifecycle + g))
# lifecycle: flop, first bid, two outbids by different bidders, deal (the same-bidder lowering is excluded)
row "English lifecycle: flop + first bid + 2 outbids + deal" "$lifecycle" 330000

# tick: the direct-kicked auction, unbid, after tau
warp $((2 * 86400))
g=$(send "$KEEPER" "$ENG" "tick(uint256)" "$ID_DIRECT"); row "English tick" "$g" 36733

# ---- Dutch (stair-step: buf 1.2, cut 0.99 / 90 s, tail 3600, cusp 0.6) ----
TOP_AMT=$(e18 250)
g=$(send "$KEEPER" "$ACC" "flopDutch(address)" "$KEEPER"); row "Dutch kick through Accountant.flopDutch()" "$g" 226258
SID=$(call "$DUT" "kicks()(uint256)")
warp 180
g=$(send "$B1" "$DUT" "take(uint256,uint256,uint256,address,bytes)" "$SID" "$(e18 50)" "$MAX" "$B1" 0x); row "Dutch take, partial" "$g" 113313
warp 12; g=$(send "$B2" "$DUT" "take(uint256,uint256,uint256,address,bytes)" "$SID" "$TOP_AMT" "$MAX" "$B2" 0x); row "Dutch take, full (rest of the tab)" "$g" 138920
g=$(send "$DEPLOYER" "$DUT" "kick(uint256,uint256,address)" "$SUMP" "$DUMP" "$KEEPER"); row "Dutch kick (direct, by a ward)" "$g" 226258
SID=$(call "$DUT" "kicks()(uint256)")
warp 3700
g=$(send "$KEEPER" "$DUT" "redo(uint256,address)" "$SID" "$KEEPER"); row "Dutch redo" "$g" 110941

# ---- first-time winners (zero governance-token balance) ----
declare -a FROWS=()
frow() { FROWS+=("$1|$2|$3"); }
q "$KEEPER" "$ACC" "flop()"
ID=$(call "$ENG" "kicks()(uint256)")
L=$(beg_lot "$(lot_of "$ID")")
q "$FRESH1" "$ENG" "dent(uint256,uint256,uint256)" "$ID" "$L" "$SUMP"
warp $((3 * 3600))
g=$(send "$KEEPER" "$ENG" "deal(uint256)" "$ID"); frow "English deal, first-time winner" "$g" 55106
q "$KEEPER" "$ACC" "flopDutch(address)" "$KEEPER"
SID=$(call "$DUT" "kicks()(uint256)")
warp 180
g=$(send "$FRESH2" "$DUT" "take(uint256,uint256,uint256,address,bytes)" "$SID" "$(e18 50)" "$MAX" "$FRESH2" 0x); frow "Dutch take partial, first-time taker" "$g" 113313
warp 12; g=$(send "$FRESH3" "$DUT" "take(uint256,uint256,uint256,address,bytes)" "$SID" "$TOP_AMT" "$MAX" "$FRESH3" 0x); frow "Dutch take full, first-time taker" "$g" 138920

# ---- report ----
table() {
  local r name gas ceil ratio
  echo "| action | gasUsed | dss ceiling | ratio |"
  echo "|---|---:|---:|---:|"
  for r in "$@"; do
    IFS='|' read -r name gas ceil <<<"$r"
    ratio=$(node -e 'console.log((Number(process.argv[1])/Number(process.argv[2])).toFixed(3))' "$gas" "$ceil")
    echo "| $name | $gas | $ceil | $ratio |"
  done
}
over=0
for r in "${ROWS[@]}"; do
  IFS='|' read -r name gas ceil <<<"$r"
  (( gas > ceil )) && { echo "gas-report: OVER CEILING: $name $gas > $ceil" >&2; over=1; }
done

ANVIL_VERSION=$("$ANVIL" --version | head -1)
SOLC_VERSION=$(node -e 'console.log(require(process.argv[1]).compiler.version)' "$ART/Accountant.json")
SETTINGS=$(node -e 'const s=require(process.argv[1]).compiler.settings; console.log(`optimizer ${s.optimizer.enabled?"on":"off"}, runs ${s.optimizer.runs}, evmVersion ${s.evmVersion}, viaIR ${s.viaIR}`)' "$ART/Accountant.json")
REPORT=$(cat <<MD
# Gas

Receipt \`gasUsed\` (21,000 base included) measured by \`contracts-abi/scripts/gas-report.sh\` on
${ANVIL_VERSION} (default hardfork), contracts from \`contracts-abi/artifacts\` (solc ${SOLC_VERSION}, ${SETTINGS}).
Ceilings: MakerDAO dss (Flopper / Clipper) measured on the same Anvil, except the lifecycle row,
whose 330,000 is Backstop's own budget (dss: 410,479). Ratio = gasUsed / ceiling. Regenerate with
\`ANVIL_BIN=… CAST_BIN=… contracts-abi/scripts/gas-report.sh\` (exit 1 if a row is over its ceiling).

State: the accountant carries 5.67M of released bad debt and already has one unbid English auction
and one Dutch sale in flight (\`Ash > 0\`, \`kicks > 0\`); bidders, takers and the sink already hold
stablecoin and approved the auctions (infinite allowance); winners already hold governance tokens.
\`sump\` = 50,000, \`dump\` = 250, oracle 200 stablecoin per token; English defaults (beg 1.05, pad 1.5,
ttl 3 h, tau 2 days), Dutch defaults (stair-step, buf 1.2, cut 0.99 every 90 s, tail 3600 s, cusp 0.6,
no keeper reward). The "rest of the tab" take pays the remaining tab after the partial take; each take
pulls the whole \`owe\` to the sink (\`owe <= Ash\`).

$(table "${ROWS[@]}")

First-time winners and takers (zero governance-token balance): the mint writes a new balance slot,
+17,100 gas over a holder (a zero-to-non-zero SSTORE costs 22,100 instead of 5,000). dss pays the same
on a first mint. These rows are for information and are not checked against the ceilings.

$(table "${FROWS[@]}")
MD
)
echo "$REPORT"
if (( WRITE )); then printf '%s\n' "$REPORT" >"$ROOT/GAS.md"; fi
exit "$over"
