#!/usr/bin/env bash
# Checks the contracts against docs/design/mechanism.md on a real Anvil: error names and fields,
# check order, half-open time windows, rounding, curves (against an independent BigInt rpow), the
# packed storage read back through the getters, the accountant's bookkeeping, yank paths and the
# reentrancy lock.
#
#   ANVIL_BIN=/path/to/anvil CAST_BIN=/path/to/cast contracts-abi/test/semantics.sh
#
# Prints one line per check and a closing "N passed, N failed" line; exits 1 on any failure.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ART="$(cd "$HERE/.." && pwd)/artifacts"
ANVIL="${ANVIL_BIN:-anvil}"
CAST="${CAST_BIN:-cast}"

port=""
for _ in $(seq 1 50); do
  p=$((20000 + RANDOM % 20000))
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
RPC="http://127.0.0.1:$port"
"$ANVIL" --port "$port" --accounts 10 --timestamp 1800000000 >/dev/null 2>&1 &
ANVIL_PID=$!
trap 'kill "$ANVIL_PID" 2>/dev/null || true; wait "$ANVIL_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do "$CAST" block-number --rpc-url "$RPC" >/dev/null 2>&1 && break; sleep 0.1; done

mapfile -t ACCTS < <("$CAST" rpc --rpc-url "$RPC" eth_accounts | node -e 'JSON.parse(require("fs").readFileSync(0,"utf8")).forEach(a=>console.log(a))')
GOVN=${ACCTS[0]}; B1=${ACCTS[1]}; B2=${ACCTS[2]}; SINK=${ACCTS[3]}; KPR=${ACCTS[4]}; NOBODY=${ACCTS[5]}

PASS=0; FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
ko() { FAIL=$((FAIL + 1)); echo "FAIL $1${2:+: $2}"; }
eq() { if [[ "$2" == "$3" ]]; then ok "$1"; else ko "$1" "got $2, want $3"; fi; }

big() { node -e "const RAY=10n**27n,WAD=10n**18n; $1" ; }
artifact() { node -e 'process.stdout.write(require(process.argv[1])[process.argv[2]])' "$ART/$1.json" "$2"; }
deploy() {
  local name=$1; shift
  local tx; tx=$("$CAST" send --rpc-url "$RPC" --unlocked --from "$GOVN" --async --create "$(artifact "$name" bytecode)" "$@")
  "$CAST" receipt --rpc-url "$RPC" "$tx" contractAddress
}
# tx FROM TO SIG ARGS...  (must succeed)
tx() {
  local from=$1 to=$2; shift 2
  local h; h=$("$CAST" send --rpc-url "$RPC" --unlocked --from "$from" --async --gas-limit 3000000 "$to" "$@")
  local st; st=$("$CAST" receipt --rpc-url "$RPC" "$h" status)
  [[ "$st" == "true" || "$st" == "1" ]] || { echo "tx reverted: $to $*" >&2; exit 1; }
}
# at T FROM TO SIG ARGS...: mine the transaction in a block with timestamp T
at() { local t=$1; shift; "$CAST" rpc --rpc-url "$RPC" evm_setNextBlockTimestamp "$t" >/dev/null; tx "$@"; }
now() { "$CAST" block --rpc-url "$RPC" latest --field timestamp; }
# mine an empty block at T (calls then run on top of it)
mine_at() { "$CAST" rpc --rpc-url "$RPC" evm_setNextBlockTimestamp "$1" >/dev/null; "$CAST" rpc --rpc-url "$RPC" evm_mine >/dev/null; }
call() { "$CAST" call --rpc-url "$RPC" "$@"; }
first() { call "$@" | awk '{print $1}'; }
# reverts NAME FROM TO SIG ARGS... -- ERRSIG ERRARGS...: the call reverts with exactly that error
reverts() {
  local name=$1 from=$2 to=$3; shift 3
  local args=()
  while [[ $1 != "--" ]]; do args+=("$1"); shift; done
  shift
  local want; want=$("$CAST" calldata "$@")
  local out; out=$("$CAST" call --rpc-url "$RPC" --from "$from" "$to" "${args[@]}" 2>&1 || true)
  if grep -q "data: \"$want\"" <<<"$out"; then ok "$name"; else ko "$name" "want $* ($want), got: $(tail -c 300 <<<"$out")"; fi
}
b32() { "$CAST" format-bytes32-string "$1"; }
e18() { big "console.log(($1*10n**18n).toString())"; }
MAX=$(big 'console.log(((1n<<256n)-1n).toString())')

# ---- deploy and wire ----
STABLE=$(deploy Stablecoin "constructor(string,string)" "Backstop USD" BUSD)
GOV=$(deploy GovToken "constructor(string,string)" "Backstop Governance" BGOV)
ORACLE=$(deploy PriceOracle "constructor(uint256)" "$(big 'console.log((200n*RAY).toString())')")
ACC=$(deploy Accountant "constructor(address,address)" "$STABLE" "$SINK")
ENG=$(deploy EnglishDebtAuction "constructor(address,address,address,address)" "$ACC" "$STABLE" "$GOV" "$ORACLE")
DUT=$(deploy DutchDebtAuction "constructor(address,address,address,address)" "$ACC" "$STABLE" "$GOV" "$ORACLE")
for pair in "$GOV $ENG" "$GOV $DUT" "$ACC $ENG" "$ACC $DUT" "$ENG $ACC" "$DUT $ACC"; do
  set -- $pair; tx "$GOVN" "$1" "rely(address)" "$2"
done
SUMP=$(e18 50000n); DUMP=$(e18 250n)
for who in "$B1" "$B2" "$KPR"; do
  tx "$GOVN" "$STABLE" "mint(address,uint256)" "$who" "$(e18 1000000n)"
  tx "$who" "$STABLE" "approve(address,uint256)" "$ENG" "$MAX"
  tx "$who" "$STABLE" "approve(address,uint256)" "$DUT" "$MAX"
done

echo "# defaults and configuration"
eq "english beg default" "$(first "$ENG" "beg()(uint256)")" 1050000000000000000
eq "english pad default" "$(first "$ENG" "pad()(uint256)")" 1500000000000000000
eq "english ttl default" "$(first "$ENG" "ttl()(uint256)")" 10800
eq "english tau default" "$(first "$ENG" "tau()(uint256)")" 172800
eq "english live" "$(first "$ENG" "live()(bool)")" true
eq "dutch calc default" "$(first "$DUT" "calc()(uint256)")" 1
eq "dutch cut default" "$(first "$DUT" "cut()(uint256)")" 990000000000000000000000000
eq "dutch cusp default" "$(first "$DUT" "cusp()(uint256)")" 600000000000000000000000000
reverts "flop before sump/dump/english: NotConfigured" "$KPR" "$ACC" "flop()" -- "NotConfigured()"
reverts "file by a non-ward: NotAuthorized" "$NOBODY" "$ACC" "file(bytes32,uint256)" "$(b32 wait)" 1 -- "NotAuthorized()"
reverts "file sump 0: InvalidParam" "$GOVN" "$ACC" "file(bytes32,uint256)" "$(b32 sump)" 0 -- "InvalidParam(bytes32)" "$(b32 sump)"
reverts "file unknown: InvalidParam" "$GOVN" "$ACC" "file(bytes32,uint256)" "$(b32 hump)" 1 -- "InvalidParam(bytes32)" "$(b32 hump)"
reverts "english beg = WAD: InvalidParam" "$GOVN" "$ENG" "file(bytes32,uint256)" "$(b32 beg)" "$(e18 1n)" -- "InvalidParam(bytes32)" "$(b32 beg)"
reverts "english beg > 10 WAD: InvalidParam" "$GOVN" "$ENG" "file(bytes32,uint256)" "$(b32 beg)" "$(big 'console.log((10n*WAD+1n).toString())')" -- "InvalidParam(bytes32)" "$(b32 beg)"
reverts "english ttl > tau: InvalidParam" "$GOVN" "$ENG" "file(bytes32,uint256)" "$(b32 ttl)" 172801 -- "InvalidParam(bytes32)" "$(b32 ttl)"
reverts "english tau < ttl: InvalidParam" "$GOVN" "$ENG" "file(bytes32,uint256)" "$(b32 tau)" 10799 -- "InvalidParam(bytes32)" "$(b32 tau)"
reverts "english tau > MAX_DURATION: InvalidParam" "$GOVN" "$ENG" "file(bytes32,uint256)" "$(b32 tau)" 315360001 -- "InvalidParam(bytes32)" "$(b32 tau)"
reverts "english maxTicks > 65535: InvalidParam" "$GOVN" "$ENG" "file(bytes32,uint256)" "$(b32 maxTicks)" 65536 -- "InvalidParam(bytes32)" "$(b32 maxTicks)"
reverts "dutch cut > RAY: InvalidParam" "$GOVN" "$DUT" "file(bytes32,uint256)" "$(b32 cut)" "$(big 'console.log((RAY+1n).toString())')" -- "InvalidParam(bytes32)" "$(b32 cut)"
reverts "dutch cusp = RAY: InvalidParam" "$GOVN" "$DUT" "file(bytes32,uint256)" "$(b32 cusp)" "$(big 'console.log(RAY.toString())')" -- "InvalidParam(bytes32)" "$(b32 cusp)"
reverts "dutch calc 3: InvalidParam" "$GOVN" "$DUT" "file(bytes32,uint256)" "$(b32 calc)" 3 -- "InvalidParam(bytes32)" "$(b32 calc)"
tx "$GOVN" "$ACC" "file(bytes32,uint256)" "$(b32 sump)" "$MAX"
eq "sump 2^256-1 kept exactly (wide slot)" "$(first "$ACC" "sump()(uint256)")" "$MAX"
tx "$GOVN" "$ACC" "file(bytes32,uint256)" "$(b32 sump)" "$SUMP"
tx "$GOVN" "$ACC" "file(bytes32,uint256)" "$(b32 dump)" "$DUMP"
eq "sump back to a small value" "$(first "$ACC" "sump()(uint256)")" "$SUMP"
eq "dump" "$(first "$ACC" "dump()(uint256)")" "$DUMP"
tx "$GOVN" "$ACC" "file(bytes32,address)" "$(b32 english)" "$ENG"
tx "$GOVN" "$ACC" "file(bytes32,address)" "$(b32 dutch)" "$DUT"
tx "$GOVN" "$ACC" "file(bytes32,uint256)" "$(b32 wait)" 100

echo "# accountant"
T0=$(( $(now) + 10 ))
at "$T0" "$GOVN" "$ACC" "fess(uint256)" "$(e18 200000n)"
eq "debt after fess" "$(first "$ACC" "debt()(uint256)")" "$(e18 200000n)"
eq "Sin after fess" "$(first "$ACC" "Sin()(uint256)")" "$(e18 200000n)"
eq "woe after fess" "$(first "$ACC" "woe()(uint256)")" 0
mine_at $((T0 + 99))
reverts "flog at era + wait - 1: QueueNotReady(era, readyAt)" "$KPR" "$ACC" "flog(uint256)" "$T0" -- "QueueNotReady(uint256,uint256)" "$T0" $((T0 + 100))
reverts "flog overflow: Panic(0x11)" "$KPR" "$ACC" "flog(uint256)" "$MAX" -- "Panic(uint256)" 17
reverts "flop with woe 0: InsufficientDebt(woe, sump)" "$KPR" "$ACC" "flop()" -- "InsufficientDebt(uint256,uint256)" 0 "$SUMP"
at $((T0 + 100)) "$KPR" "$ACC" "flog(uint256)" "$T0"
eq "woe after flog" "$(first "$ACC" "woe()(uint256)")" "$(e18 200000n)"
eq "sin[era] cleared" "$(first "$ACC" "sin(uint256)(uint256)" "$T0")" 0
tx "$GOVN" "$STABLE" "mint(address,uint256)" "$ACC" 5
reverts "heal above surplus: InsufficientSurplus" "$KPR" "$ACC" "heal(uint256)" 6 -- "InsufficientSurplus(uint256,uint256)" 5 6
reverts "kiss above Ash: InsufficientOnAuction" "$KPR" "$ACC" "kiss(uint256)" 1 -- "InsufficientOnAuction(uint256,uint256)" 0 1
tx "$KPR" "$ACC" "heal(uint256)" 5
eq "heal paid the sink" "$(first "$STABLE" "balanceOf(address)(uint256)" "$SINK")" 5
eq "heal cut debt" "$(first "$ACC" "debt()(uint256)")" "$(big 'console.log((200000n*WAD-5n).toString())')"
tx "$GOVN" "$ACC" "fess(uint256)" 5
reverts "fess(2^256-1): Overflow" "$GOVN" "$ACC" "fess(uint256)" "$MAX" -- "Overflow()"
DEBT=$(first "$ACC" "debt()(uint256)")
reverts "fess overflowing debt only: Overflow" "$GOVN" "$ACC" "fess(uint256)" "$(big "console.log(((1n<<256n)-${DEBT}n).toString())")" -- "Overflow()"

echo "# english: kick, dent, deal, windows"
reverts "kick zero lot: ZeroLot" "$GOVN" "$ENG" "kick(address,uint256,uint256)" "$ACC" 0 1 -- "ZeroLot()"
reverts "kick zero bid: ZeroBid" "$GOVN" "$ENG" "kick(address,uint256,uint256)" "$ACC" 1 0 -- "ZeroBid()"
reverts "kick lot 2^128: Overflow" "$GOVN" "$ENG" "kick(address,uint256,uint256)" "$ACC" "$(big 'console.log((1n<<128n).toString())')" 1 -- "Overflow()"
reverts "kick by non-ward: NotAuthorized" "$NOBODY" "$ENG" "kick(address,uint256,uint256)" "$ACC" 1 1 -- "NotAuthorized()"
T1=$(( $(now) + 10 ))
at "$T1" "$KPR" "$ACC" "flop()"
ID=$(first "$ENG" "kicks()(uint256)")
eq "first id is 1" "$ID" 1
eq "Ash after flop" "$(first "$ACC" "Ash()(uint256)")" "$SUMP"
eq "bids(1) after kick" "$(call "$ENG" "bids(uint256)(uint256,uint256,address,uint256,uint256,uint256)" 1 | awk '{print $1}' | tr '\n' ' ' | tr A-F a-f)" "$SUMP $DUMP $(tr A-F a-f <<<"$ACC") 0 $((T1 + 172800)) 0 "
reverts "dent wrong bid: BidMismatch(expected, offered)" "$B1" "$ENG" "dent(uint256,uint256,uint256)" 1 1 1 -- "BidMismatch(uint256,uint256)" "$SUMP" 1
reverts "dent same lot: LotNotLower(current, offered)" "$B1" "$ENG" "dent(uint256,uint256,uint256)" 1 "$DUMP" "$SUMP" -- "LotNotLower(uint256,uint256)" "$DUMP" "$DUMP"
REQ=$(big "console.log((250n*WAD*WAD/1050000000000000000n).toString())")
REQ1=$(big "console.log((${REQ}n+1n).toString())")
reverts "dent above lot/beg: IncrementTooSmall(floor(lot*WAD/beg), offered)" "$B1" "$ENG" "dent(uint256,uint256,uint256)" 1 "$REQ1" "$SUMP" -- "IncrementTooSmall(uint256,uint256)" "$REQ" "$REQ1"
reverts "dent unknown id: AuctionNotFound" "$B1" "$ENG" "dent(uint256,uint256,uint256)" 9 1 "$SUMP" -- "AuctionNotFound(uint256)" 9
SINK0=$(first "$STABLE" "balanceOf(address)(uint256)" "$SINK")
T2=$((T1 + 100))
at "$T2" "$B1" "$ENG" "dent(uint256,uint256,uint256)" 1 "$REQ" "$SUMP"
TIC=$((T2 + 10800))
eq "bids(1) after first dent" "$(call "$ENG" "bids(uint256)(uint256,uint256,address,uint256,uint256,uint256)" 1 | awk '{print $1}' | tr '\n' ' ' | tr A-F a-f)" "$SUMP $REQ $(tr A-F a-f <<<"$B1") $TIC $((T1 + 172800)) 0 "
eq "first bid: k = min(bid, Ash) went to the sink" "$(first "$STABLE" "balanceOf(address)(uint256)" "$SINK")" "$(big "console.log((${SINK0}n + ${SUMP}n).toString())")"
eq "first bid: Ash settled" "$(first "$ACC" "Ash()(uint256)")" 0
eq "first bid: debt settled" "$(first "$ACC" "debt()(uint256)")" "$(e18 150000n)"
L2=$(big "console.log((${REQ}n*WAD/1050000000000000000n).toString())")
B1BAL=$(first "$STABLE" "balanceOf(address)(uint256)" "$B1")
at $((T2 + 50)) "$B2" "$ENG" "dent(uint256,uint256,uint256)" 1 "$L2" "$SUMP"
eq "outbid repays the previous bidder in full" "$(first "$STABLE" "balanceOf(address)(uint256)" "$B1")" "$(big "console.log((${B1BAL}n + ${SUMP}n).toString())")"
TIC=$((T2 + 50 + 10800))
mine_at $((TIC - 1))
reverts "deal at tic - 1: NotFinished(id, tic, end)" "$KPR" "$ENG" "deal(uint256)" 1 -- "NotFinished(uint256,uint256,uint256)" 1 "$TIC" $((T1 + 172800))
mine_at "$TIC"
reverts "dent at now == tic: BidExpired (half-open window)" "$B1" "$ENG" "dent(uint256,uint256,uint256)" 1 1 "$SUMP" -- "BidExpired(uint256,uint256)" 1 "$TIC"
at "$TIC" "$KPR" "$ENG" "deal(uint256)" 1
eq "deal at now == tic mints the lot" "$(first "$GOV" "balanceOf(address)(uint256)" "$B2")" "$L2"
reverts "deal again: AuctionNotFound" "$KPR" "$ENG" "deal(uint256)" 1 -- "AuctionNotFound(uint256)" 1

echo "# english: tick, floor, maxTicks"
TF=$(( $(now) + 10 ))
at "$TF" "$GOVN" "$ACC" "fess(uint256)" "$(e18 100000n)"
at $((TF + 100)) "$KPR" "$ACC" "flog(uint256)" "$TF"
T3=$((TF + 200))
at "$T3" "$KPR" "$ACC" "flop()"
ID=$(first "$ENG" "kicks()(uint256)")
END=$((T3 + 172800))
reverts "deal without bid: NoBids" "$KPR" "$ENG" "deal(uint256)" "$ID" -- "NoBids(uint256)" "$ID"
mine_at $((END - 1))
reverts "tick at end - 1: AuctionNotExpired(id, end)" "$KPR" "$ENG" "tick(uint256)" "$ID" -- "AuctionNotExpired(uint256,uint256)" "$ID" "$END"
reverts "dent at end - 1 with a lot too high still checks beg" "$B1" "$ENG" "dent(uint256,uint256,uint256)" "$ID" "$DUMP" "$SUMP" -- "LotNotLower(uint256,uint256)" "$DUMP" "$DUMP"
mine_at "$END"
reverts "dent at now == end: AuctionExpired (half-open window)" "$B1" "$ENG" "dent(uint256,uint256,uint256)" "$ID" 1 "$SUMP" -- "AuctionExpired(uint256,uint256)" "$ID" "$END"
at "$END" "$KPR" "$ENG" "tick(uint256)" "$ID"
LOT1=$(big "console.log((1500000000000000000n*${DUMP}n/WAD).toString())")
eq "tick at now == end grows the lot by pad" "$(call "$ENG" "bids(uint256)(uint256,uint256,address,uint256,uint256,uint256)" "$ID" | awk '{print $1}' | tr '\n' ' ' | tr A-F a-f)" "$SUMP $LOT1 $(tr A-F a-f <<<"$ACC") 0 $((END + 172800)) 1 "
# floor: lot' = min(pad*lot, max(lot, bid*RAY/floor)); floor 150 per token -> bound 333.33 tokens
FLOOR=$(big 'console.log((150n*RAY).toString())')
tx "$GOVN" "$ENG" "file(bytes32,uint256)" "$(b32 floor)" "$FLOOR"
eq "floor getter" "$(first "$ENG" "floor()(uint256)")" "$FLOOR"
at $((END + 172800)) "$KPR" "$ENG" "tick(uint256)" "$ID"
BOUND=$(big "const b=${SUMP}n*RAY/${FLOOR}n, l=${LOT1}n, g=1500000000000000000n*l/WAD; console.log((g < (b>l?b:l) ? g : (b>l?b:l)).toString())")
eq "tick with floor: min(pad*lot, max(lot, bid*RAY/floor))" "$(call "$ENG" "bids(uint256)(uint256,uint256,address,uint256,uint256,uint256)" "$ID" | sed -n 2p | awk '{print $1}')" "$BOUND"
eq "openingLot with floor caps at bid*RAY/floor" "$(first "$ENG" "openingLot(uint256,uint256)(uint256)" "$(e18 1000n)" "$SUMP")" "$(big "console.log((${SUMP}n*RAY/${FLOOR}n).toString())")"
tx "$GOVN" "$ENG" "file(bytes32,uint256)" "$(b32 floor)" 0
tx "$GOVN" "$ENG" "file(bytes32,uint256)" "$(b32 maxTicks)" 2
at $((END + 2 * 172800)) "$KPR" "$ENG" "tick(uint256)" "$ID"
eq "tick after maxTicks keeps the lot, counts the tick" "$(call "$ENG" "bids(uint256)(uint256,uint256,address,uint256,uint256,uint256)" "$ID" | awk '{print $1}' | sed -n '2p;6p' | tr '\n' ' ')" "$BOUND 3 "
tx "$GOVN" "$ENG" "file(bytes32,uint256)" "$(b32 maxTicks)" 0
# oracle sizing: lot = bid*RAY / (price*(WAD-discount)/WAD)
tx "$GOVN" "$ENG" "file(bytes32,uint256)" "$(b32 sizing)" 1
tx "$GOVN" "$ENG" "file(bytes32,uint256)" "$(b32 discount)" "$(big 'console.log((WAD/5n).toString())')"
eq "openingLot with oracle sizing" "$(first "$ENG" "openingLot(uint256,uint256)(uint256)" 1 "$SUMP")" "$(big "console.log((${SUMP}n*RAY/(200n*RAY*(WAD-WAD/5n)/WAD)).toString())")"
tx "$GOVN" "$ORACLE" "poke(uint256)" 0
reverts "openingLot with a zero price: InvalidPrice(price)" "$KPR" "$ENG" "openingLot(uint256,uint256)(uint256)" 1 "$SUMP" -- "InvalidPrice(uint256)" 0
tx "$GOVN" "$ORACLE" "poke(uint256)" "$(big 'console.log((200n*RAY).toString())')"
tx "$GOVN" "$ENG" "file(bytes32,uint256)" "$(b32 sizing)" 0

echo "# english: cage and yank"
reverts "yank while live: StillLive" "$KPR" "$ENG" "yank(uint256)" "$ID" -- "StillLive()"
ASH0=$(first "$ACC" "Ash()(uint256)"); WOE0=$(first "$ACC" "woe()(uint256)")
tx "$GOVN" "$ENG" "cage()"
eq "live after cage" "$(first "$ENG" "live()(bool)")" false
reverts "dent after cage: NotLive" "$B1" "$ENG" "dent(uint256,uint256,uint256)" "$ID" 1 "$SUMP" -- "NotLive()"
tx "$KPR" "$ENG" "yank(uint256)" "$ID"
eq "yank of an unbid auction unwinds min(bid, Ash)" "$(first "$ACC" "Ash()(uint256)") $(first "$ACC" "woe()(uint256)")" "$(big "console.log((${ASH0}n-${SUMP}n).toString(), (${WOE0}n+${SUMP}n).toString())")"
reverts "yank again: AuctionNotFound" "$KPR" "$ENG" "yank(uint256)" "$ID" -- "AuctionNotFound(uint256)" "$ID"

echo "# dutch"
ENG2=$ENG
reverts "dutch kick zero tab: ZeroTab" "$GOVN" "$DUT" "kick(uint256,uint256,address)" 0 1 "$KPR" -- "ZeroTab()"
reverts "dutch kick zero lot: ZeroLot" "$GOVN" "$DUT" "kick(uint256,uint256,address)" 1 0 "$KPR" -- "ZeroLot()"
# rpow and the three curves against an independent BigInt implementation of dss rpow
RPOW='function rpow(x,n,b){ if(n===0n) return b; if(x===0n) return 0n; let z = n%2n ? x : b; const half=b/2n; for(n/=2n; n>0n; n/=2n){ x=(x*x+half)/b; if(n%2n) z=(z*x+half)/b; } return z; }'
TOP=$(big 'console.log((240n*RAY).toString())')
for dur in 0 1 89 90 91 1000 3599 3600 86399; do
  want=$(big "$RPOW; console.log((${TOP}n*rpow(990000000000000000000000000n, ${dur}n/90n, RAY)/RAY).toString())")
  eq "stair-step price at dur $dur" "$(first "$DUT" "price(uint256,uint256)(uint256)" "$TOP" "$dur")" "$want"
done
tx "$GOVN" "$DUT" "file(bytes32,uint256)" "$(b32 calc)" 2
tx "$GOVN" "$DUT" "file(bytes32,uint256)" "$(b32 cut)" 999000000000000000000000000
for dur in 0 1 2 3 77 1000 12345 100000; do
  want=$(big "$RPOW; console.log((${TOP}n*rpow(999000000000000000000000000n, ${dur}n, RAY)/RAY).toString())")
  eq "exponential price at dur $dur" "$(first "$DUT" "price(uint256,uint256)(uint256)" "$TOP" "$dur")" "$want"
done
tx "$GOVN" "$DUT" "file(bytes32,uint256)" "$(b32 calc)" 0
for dur in 0 1 1800 3599 3600 5000; do
  want=$(big "const tau=3600n, d=${dur}n; console.log((d>=tau?0n:${TOP}n*((tau-d)*RAY/tau)/RAY).toString())")
  eq "linear price at dur $dur" "$(first "$DUT" "price(uint256,uint256)(uint256)" "$TOP" "$dur")" "$want"
done
tx "$GOVN" "$DUT" "file(bytes32,uint256)" "$(b32 calc)" 1
tx "$GOVN" "$DUT" "file(bytes32,uint256)" "$(b32 cut)" 990000000000000000000000000
# a sale: tab 50,000, lot 250, top = 200 * 1.2 = 240
TF=$(( $(now) + 10 ))
at "$TF" "$GOVN" "$ACC" "fess(uint256)" "$(e18 100000n)"
at $((TF + 100)) "$KPR" "$ACC" "flog(uint256)" "$TF"
TIC4=$((TF + 200))
at "$TIC4" "$KPR" "$ACC" "flopDutch(address)" "$KPR"
SID=$(first "$DUT" "kicks()(uint256)")
eq "sale after kick" "$(call "$DUT" "sales(uint256)(uint256,uint256,uint256,uint256)" "$SID" | awk '{print $1}' | tr '\n' ' ')" "$SUMP $DUMP $TOP $TIC4 "
mine_at $((TIC4 + 100))
P=$(big "$RPOW; console.log((${TOP}n*rpow(990000000000000000000000000n, 1n, RAY)/RAY).toString())")
reverts "take with max below price: TooExpensive(price, max)" "$B1" "$DUT" "take(uint256,uint256,uint256,address,bytes)" "$SID" 1 1 "$B1" 0x -- "TooExpensive(uint256,uint256)" "$P" 1
reverts "take unknown sale: SaleNotFound" "$B1" "$DUT" "take(uint256,uint256,uint256,address,bytes)" 99 1 "$MAX" "$B1" 0x -- "SaleNotFound(uint256)" 99
reverts "redo before done: CannotReset" "$KPR" "$DUT" "redo(uint256,address)" "$SID" "$KPR" -- "CannotReset(uint256)" "$SID"
# partial take: amt 7 wei-odd so that owe rounds up
AMT=123456789012345678901
OWE=$(big "console.log(((${AMT}n*${P}n + RAY - 1n)/RAY).toString())")
SINK1=$(first "$STABLE" "balanceOf(address)(uint256)" "$SINK")
at $((TIC4 + 100)) "$B1" "$DUT" "take(uint256,uint256,uint256,address,bytes)" "$SID" "$AMT" "$MAX" "$B1" 0x
eq "partial take: owe = ceil(slice*price/RAY)" "$(call "$DUT" "sales(uint256)(uint256,uint256,uint256,uint256)" "$SID" | awk '{print $1}' | sed -n '1,2p' | tr '\n' ' ')" "$(big "console.log((${SUMP}n-${OWE}n).toString()+' '+(${DUMP}n-${AMT}n).toString()+' ')")"
eq "partial take: owe went to the sink (owe <= Ash)" "$(first "$STABLE" "balanceOf(address)(uint256)" "$SINK")" "$(big "console.log((${SINK1}n+${OWE}n).toString())")"
# chost: a partial take must leave at least chost
tx "$GOVN" "$DUT" "file(bytes32,uint256)" "$(b32 chost)" "$(e18 30000n)"
TAB=$(big "console.log((${SUMP}n-${OWE}n).toString())")
reverts "partial take leaving < chost with tab <= chost: NoPartialPurchase(tab, chost)" "$B1" "$DUT" "take(uint256,uint256,uint256,address,bytes)" "$SID" 1 "$MAX" "$B1" 0x -- "NoPartialPurchase(uint256,uint256)" "$TAB" "$(e18 30000n)"
tx "$GOVN" "$DUT" "file(bytes32,uint256)" "$(b32 chost)" "$(e18 1000n)"
# tab - owe < chost: owe = tab - chost, slice = owe*RAY/price
LOTNOW=$(call "$DUT" "sales(uint256)(uint256,uint256,uint256,uint256)" "$SID" | sed -n 2p | awk '{print $1}')
BIGAMT=$(big "console.log(((${TAB}n - 500n*WAD)*RAY/${P}n).toString())")
TT=$(( $(now) + 1 ))
P=$(big "$RPOW; console.log((${TOP}n*rpow(990000000000000000000000000n, BigInt(Math.floor(($TT - $TIC4)/90)), RAY)/RAY).toString())")
BIGAMT=$(big "console.log(((${TAB}n - 500n*WAD)*RAY/${P}n).toString())")
at "$TT" "$B2" "$DUT" "take(uint256,uint256,uint256,address,bytes)" "$SID" "$BIGAMT" "$MAX" "$B2" 0x
OWE2=$(big "console.log((${TAB}n - 1000n*WAD).toString())")
SL2=$(big "console.log((${OWE2}n*RAY/${P}n).toString())")
eq "dust rule leaves exactly chost" "$(call "$DUT" "sales(uint256)(uint256,uint256,uint256,uint256)" "$SID" | awk '{print $1}' | sed -n '1,2p' | tr '\n' ' ')" "$(big "console.log((1000n*WAD).toString()+' '+(${LOTNOW}n-${SL2}n).toString()+' ')")"
# full take: owe capped at tab, sale deleted
at $(( $(now) + 1 )) "$B2" "$DUT" "take(uint256,uint256,uint256,address,bytes)" "$SID" "$MAX" "$MAX" "$B2" 0x
eq "full take deletes the sale" "$(call "$DUT" "sales(uint256)(uint256,uint256,uint256,uint256)" "$SID" | awk '{print $1}' | tr '\n' ' ')" "0 0 0 0 "
eq "getStatus of a deleted sale" "$(call "$DUT" "getStatus(uint256)(bool,uint256,uint256,uint256)" "$SID" | awk '{print $1}' | tr '\n' ' ')" "false 0 0 0 "
# done after tail, redo with reward (tip 100 stablecoin at 200 -> 0.5 token)
tx "$GOVN" "$DUT" "file(bytes32,uint256)" "$(b32 tip)" "$(e18 100n)"
tx "$GOVN" "$DUT" "file(bytes32,uint256)" "$(b32 chost)" 0
T5=$(( $(now) + 10 ))
KG0=$(first "$GOV" "balanceOf(address)(uint256)" "$KPR")
at "$T5" "$GOVN" "$DUT" "kick(uint256,uint256,address)" "$SUMP" "$DUMP" "$KPR"
eq "kick reward = coin*RAY/price" "$(first "$GOV" "balanceOf(address)(uint256)" "$KPR")" "$(big "console.log((${KG0}n + 100n*WAD*RAY/(200n*RAY)).toString())")"
SID=$(first "$DUT" "kicks()(uint256)")
mine_at $((T5 + 3600))
eq "not done at dur == tail" "$(first "$DUT" "getStatus(uint256)(bool,uint256,uint256,uint256)" "$SID" | head -1)" false
mine_at $((T5 + 3601))
reverts "take when done: NeedsReset" "$B1" "$DUT" "take(uint256,uint256,uint256,address,bytes)" "$SID" 1 "$MAX" "$B1" 0x -- "NeedsReset(uint256)" "$SID"
at $((T5 + 3602)) "$KPR" "$DUT" "redo(uint256,address)" "$SID" "$KPR"
eq "redo resets tic and top" "$(call "$DUT" "sales(uint256)(uint256,uint256,uint256,uint256)" "$SID" | awk '{print $1}' | sed -n '3,4p' | tr '\n' ' ')" "$TOP $((T5 + 3602)) "
eq "redo paid the reward" "$(first "$GOV" "balanceOf(address)(uint256)" "$KPR")" "$(big "console.log((${KG0}n + 2n*(100n*WAD*RAY/(200n*RAY))).toString())")"
reverts "dutch yank by non-ward: NotAuthorized" "$NOBODY" "$DUT" "yank(uint256)" "$SID" -- "NotAuthorized()"
ASH1=$(first "$ACC" "Ash()(uint256)")
tx "$GOVN" "$DUT" "yank(uint256)" "$SID"
eq "dutch yank unwinds min(tab, Ash)" "$(first "$ACC" "Ash()(uint256)")" "$(big "const a=${ASH1}n, t=${SUMP}n; console.log((a - (t<a?t:a)).toString())")"

echo "# flash callback and reentrancy lock"
REENTER_BC=$(node -e '
const solc=require(process.argv[1]), fs=require("fs");
const out=JSON.parse(solc.compile(JSON.stringify({language:"Solidity",
  sources:{"Reenter.sol":{content:fs.readFileSync(process.argv[2],"utf8")}},
  settings:{evmVersion:"cancun",optimizer:{enabled:true,runs:200},outputSelection:{"*":{"*":["evm.bytecode.object"]}}}})));
for (const e of out.errors||[]) if (e.severity==="error") { console.error(e.formattedMessage); process.exit(1); }
process.stdout.write("0x"+out.contracts["Reenter.sol"].Reenter.evm.bytecode.object);' "$HERE/../node_modules/solc" "$HERE/../mocks/Reenter.sol")
h=$("$CAST" send --rpc-url "$RPC" --unlocked --from "$GOVN" --async --create "$REENTER_BC" "constructor(address)" "$DUT")
CALLEE=$("$CAST" receipt --rpc-url "$RPC" "$h" contractAddress)
tx "$GOVN" "$DUT" "file(bytes32,uint256)" "$(b32 tip)" 0
T6=$(( $(now) + 10 ))
at "$T6" "$GOVN" "$DUT" "kick(uint256,uint256,address)" "$SUMP" "$DUMP" "$KPR"
SID=$(first "$DUT" "kicks()(uint256)")
mine_at $((T6 + 5))
reverts "take re-entered from the flash callback: Locked" "$B1" "$DUT" "take(uint256,uint256,uint256,address,bytes)" "$SID" "$(e18 1n)" "$MAX" "$CALLEE" 0x01 -- "Locked()"
at $((T6 + 5)) "$B1" "$DUT" "take(uint256,uint256,uint256,address,bytes)" "$SID" "$(e18 1n)" "$MAX" "$CALLEE" 0x02
eq "flash callback ran once with sender, owe = ceil(slice*top/RAY), slice" "$(first "$CALLEE" "calls()(uint256)") $(first "$CALLEE" "lastSlice()(uint256)") $(first "$CALLEE" "lastOwe()(uint256)") $(first "$CALLEE" "lastSender()(address)" | tr A-F a-f)" "1 $(e18 1n) $(e18 240n) $(tr A-F a-f <<<"$B1")"
eq "flash purchase minted the slice to the callee" "$(first "$GOV" "balanceOf(address)(uint256)" "$CALLEE")" "$(e18 1n)"

echo "# tokens"
reverts "transfer above balance: InsufficientBalance(have, need)" "$NOBODY" "$STABLE" "transfer(address,uint256)" "$B1" 1 -- "InsufficientBalance(uint256,uint256)" 0 1
reverts "transferFrom above allowance: InsufficientAllowance(have, need)" "$NOBODY" "$STABLE" "transferFrom(address,address,uint256)" "$B1" "$B2" 1 -- "InsufficientAllowance(uint256,uint256)" 0 1
reverts "gov mint by non-ward: NotAuthorized" "$NOBODY" "$GOV" "mint(address,uint256)" "$B1" 1 -- "NotAuthorized()"
eq "infinite allowance is not decremented" "$(first "$STABLE" "allowance(address,address)(uint256)" "$B1" "$ENG2")" "$MAX"

echo "$PASS passed, $FAIL failed"
(( FAIL == 0 ))
