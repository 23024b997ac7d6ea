// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Test} from "forge-std/Test.sol";
import {DssVat} from "../../dss/DssVat.sol";
import {DssDai} from "../../dss/DssDai.sol";
import {DssGem} from "../../dss/DssGem.sol";
import {DssDaiJoin} from "../../dss/DssDaiJoin.sol";
import {DssVow} from "../../dss/DssVow.sol";
import {DssFlopper} from "../../dss/DssFlopper.sol";

/// @notice The dss-compatible debt-auction set deployed and wired as a dss deployment is (the test
/// is the deployer, so the first ward of everything), with three bidders funded through the
/// ERC20 DAI and the join. Notes are on (the 2019 contracts) unless a suite overrides `notesOn`.
/// Wiring: Vat wards: test, Flopper (`yank` sucks). Gem ward: Flopper. Dai ward: DaiJoin.
/// Flopper ward: Vow (`kick`, `cage`). Vow: `sump` SUMP (RAD), `dump` DUMP (WAD), `wait` 0.
abstract contract DssSetup is Test {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant RAD = 1e45;

    /// Black Thursday sizes: 50,000 DAI per auction (RAD), opening lot 250 MKR (WAD).
    uint256 internal constant SUMP = 50_000 * RAD;
    uint256 internal constant DUMP = 250 * WAD;
    /// Flopper defaults: beg and pad WAD, ttl and tau s.
    uint256 internal constant BEG = 1.05e18;
    uint256 internal constant PAD = 1.5e18;
    uint256 internal constant TTL = 3 hours;
    uint256 internal constant TAU = 2 days;

    uint256 internal constant START = 1_700_000_000;
    /// ERC20 DAI (WAD) given to each bidder and joined into the Vat.
    uint256 internal constant FUNDS = 10_000_000 * WAD;

    /// Receives the DAI of booked bad debt (the liquidation's buyer, say): `vat.suck(vow, SINK, rad)`.
    address internal constant SINK = address(0x5111);
    /// Holds the sin of the DAI created to fund bidders, so the Vow's books see only booked debt.
    address internal constant FUNDER = address(0xF00D);

    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    address internal stranger = makeAddr("stranger");

    DssVat internal vat;
    DssDai internal dai;
    DssGem internal gem;
    DssDaiJoin internal daiJoin;
    DssVow internal vow;
    DssFlopper internal flop;

    /// Whether the contracts emit LogNote (the 2019 dss contracts) or nothing (later snapshots).
    function notesOn() internal pure virtual returns (bool) {
        return true;
    }

    function setUp() public virtual {
        vm.warp(START);
        deploy(notesOn());
        fund(alice, FUNDS);
        fund(bob, FUNDS);
        fund(carol, FUNDS);
    }

    /// Deploys and wires the set; the test contract is the deployer.
    function deploy(bool notes) internal {
        vat = new DssVat(notes);
        dai = new DssDai();
        gem = new DssGem();
        daiJoin = new DssDaiJoin(address(vat), address(dai), notes);
        flop = new DssFlopper(address(vat), address(gem), notes);
        vow = new DssVow(address(vat), address(0), address(flop), notes);
        vat.rely(address(flop));
        gem.rely(address(flop));
        dai.rely(address(daiJoin));
        flop.rely(address(vow));
        vow.file("sump", SUMP);
        vow.file("dump", DUMP);
        vow.file("wait", 0);
        // the test contract exits the DAI it sucks to fund bidders
        vat.hope(address(daiJoin));
    }

    // ---- funding ----

    /// `wad` (WAD) of ERC20 DAI to `who`: sucked into the Vat (sin to FUNDER) and exited.
    function giveDai(address who, uint256 wad) internal {
        vat.suck(FUNDER, address(this), wad * RAY);
        daiJoin.exit(who, wad);
    }

    /// `who` joins `wad` (WAD) of its ERC20 DAI into the Vat (approving the join) and hopes the
    /// Flopper, so it can bid.
    function joinDai(address who, uint256 wad) internal {
        vm.startPrank(who);
        dai.approve(address(daiJoin), wad);
        daiJoin.join(who, wad);
        vat.hope(address(flop));
        vm.stopPrank();
    }

    /// A bidder with `wad` (WAD) of internal DAI (`wad · 1e27` RAD), funded through ERC20 DAI.
    function fund(address who, uint256 wad) internal {
        giveDai(who, wad);
        joinDai(who, wad);
    }

    // ---- the Vow's books ----

    /// Books `rad` (RAD) of bad debt as a liquidation does: the Vow gets the sin, SINK the DAI,
    /// and the debt is queued (`fess`) at the current era.
    function book(uint256 rad) internal {
        vat.suck(address(vow), SINK, rad);
        vow.fess(rad);
    }

    /// Books `rad` (RAD) and releases it at once (`wait` must be 0): free debt (`woe`).
    function freeDebt(uint256 rad) internal {
        book(rad);
        vow.flog(block.timestamp);
    }

    /// One auction of SUMP against DUMP started through the Vow.
    function flopAuction() internal returns (uint256 id) {
        freeDebt(SUMP);
        id = vow.flop();
    }

    /// The Vow's free debt `vat.sin(vow) − Sin − Ash` (RAD).
    function woe() internal view returns (uint256) {
        return vat.sin(address(vow)) - vow.Sin() - vow.Ash();
    }

    // ---- reading an auction ----

    function bidOf(uint256 id) internal view returns (uint256 bid) {
        (bid,,,,) = flop.bids(id);
    }

    function lotOf(uint256 id) internal view returns (uint256 lot) {
        (, lot,,,) = flop.bids(id);
    }

    function guyOf(uint256 id) internal view returns (address guy) {
        (,, guy,,) = flop.bids(id);
    }

    function ticOf(uint256 id) internal view returns (uint256 tic) {
        (,,, tic,) = flop.bids(id);
    }

    function endOf(uint256 id) internal view returns (uint256 end) {
        (,,,, end) = flop.bids(id);
    }

    /// The largest lot a bid may ask below `lot` under `beg`: ⌊lot · 1e18 / beg⌋ (WAD).
    function maxLot(uint256 lot, uint256 beg) internal pure returns (uint256) {
        return lot * WAD / beg;
    }

    /// `who` bids `lot` (WAD) for auction `id`'s fixed bid.
    function dent(address who, uint256 id, uint256 lot) internal {
        uint256 bid = bidOf(id);
        vm.prank(who);
        flop.dent(id, lot, bid);
    }

    // ---- revert data ----

    function panic(uint256 code) internal pure returns (bytes memory) {
        return abi.encodeWithSignature("Panic(uint256)", code);
    }

    function overflow() internal pure returns (bytes memory) {
        return panic(0x11);
    }
}
