// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Vm} from "forge-std/Vm.sol";
import {DssSetup} from "./DssSetup.sol";
import {DssVat} from "../../dss/DssVat.sol";
import {DssVow} from "../../dss/DssVow.sol";
import {DssFlopper} from "../../dss/DssFlopper.sol";

/// LibNote: with notes on, every `note` call emits one anonymous log (topics: selector
/// left-aligned, caller, calldata words at 4 and 36; data: `abi.encode(first 224 bytes of
/// calldata)`, 288 bytes), after the body, so in call order after the notes of the calls it made;
/// `kick` emits only `Kick`. With notes off nothing is emitted. Return values survive the note.
contract DssLibNoteTest is DssSetup {
    /// The note's data for calldata `cd`: `abi.encode(bytes)` of its first 224 bytes, zero-padded.
    function noteData(bytes memory cd) internal pure returns (bytes memory) {
        bytes memory first = new bytes(224);
        for (uint256 i; i < cd.length && i < 224; i++) {
            first[i] = cd[i];
        }
        return abi.encode(first);
    }

    function word(bytes memory cd, uint256 at) internal pure returns (bytes32 w) {
        for (uint256 i; i < 32 && at + i < cd.length; i++) {
            w |= bytes32(cd[at + i]) >> (8 * i);
        }
    }

    /// Asserts `log` is the note of a call with calldata `cd` from `caller` to `emitter`.
    function assertNote(Vm.Log memory log, address emitter, address caller, bytes memory cd) internal pure {
        assertEq(log.emitter, emitter, "emitter");
        assertEq(log.topics.length, 4, "topics");
        assertEq(log.topics[0], bytes32(bytes4(word(cd, 0))), "sig");
        assertEq(log.topics[1], bytes32(uint256(uint160(caller))), "usr");
        assertEq(log.topics[2], word(cd, 4), "arg1");
        assertEq(log.topics[3], word(cd, 36), "arg2");
        assertEq(log.data.length, 288, "data length");
        assertEq(log.data, noteData(cd), "data");
    }

    function test_dent_firstBid_notes() public {
        uint256 id = flopAuction();
        vm.recordLogs();
        vm.prank(alice);
        flop.dent(id, 200 * WAD, SUMP);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        // vat.move, then (inside vow.kiss) vat.heal, then vow.kiss, then the dent itself
        assertEq(logs.length, 4);
        assertNote(logs[0], address(vat), address(flop), abi.encodeCall(DssVat.move, (alice, address(vow), SUMP)));
        assertNote(logs[1], address(vat), address(vow), abi.encodeCall(DssVat.heal, (SUMP)));
        assertNote(logs[2], address(vow), address(flop), abi.encodeCall(DssVow.kiss, (SUMP)));
        bytes memory cd = abi.encodeCall(DssFlopper.dent, (id, 200 * WAD, SUMP));
        assertNote(logs[3], address(flop), alice, cd);
        // exactly one log from the Flopper: selector, caller, id, lot
        assertEq(logs[3].topics[0], bytes32(DssFlopper.dent.selector));
        assertEq(logs[3].topics[1], bytes32(uint256(uint160(alice))));
        assertEq(uint256(logs[3].topics[2]), id);
        assertEq(uint256(logs[3].topics[3]), 200 * WAD);
    }

    /// A high bidder's own re-bid calls nothing else: exactly one log.
    function test_dent_selfRebid_oneNote() public {
        uint256 id = flopAuction();
        dent(alice, id, 200 * WAD);
        vm.recordLogs();
        dent(alice, id, 190 * WAD);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1);
        assertNote(logs[0], address(flop), alice, abi.encodeCall(DssFlopper.dent, (id, 190 * WAD, SUMP)));
    }

    function test_dent_notesOff_noLog() public {
        deploy(false);
        fund(alice, FUNDS);
        uint256 id = flopAuction();
        vm.recordLogs();
        dent(alice, id, 200 * WAD);
        assertEq(vm.getRecordedLogs().length, 0);
        // and nothing else that notes would emit
        vm.recordLogs();
        vm.warp(START + TTL + 1);
        flop.deal(id);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1); // the governance token's Transfer only
        assertEq(logs[0].emitter, address(gem));
        assertFalse(flop.notes());
        assertFalse(vat.notes());
        assertFalse(vow.notes());
        assertFalse(daiJoin.notes());
    }

    /// `kick` emits only `Kick` (id not indexed, gal indexed); the Vow's `flop` notes after it and
    /// still returns the id.
    function test_flop_kickEvent_noNote() public {
        freeDebt(SUMP);
        vm.recordLogs();
        vm.prank(stranger);
        uint256 id = vow.flop();
        assertEq(id, 1);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 2);
        assertEq(logs[0].emitter, address(flop));
        assertEq(logs[0].topics.length, 2);
        assertEq(logs[0].topics[0], DssFlopper.Kick.selector);
        assertEq(logs[0].topics[1], bytes32(uint256(uint160(address(vow)))));
        assertEq(logs[0].data, abi.encode(uint256(1), DUMP, SUMP));
        assertNote(logs[1], address(vow), stranger, abi.encodeCall(DssVow.flop, ()));
    }

    /// The bytes32 argument of `file` is topic 2, the value topic 3.
    function test_file_note() public {
        vm.recordLogs();
        vow.file("sump", 7);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1);
        assertEq(logs[0].topics[2], bytes32("sump"));
        assertEq(uint256(logs[0].topics[3]), 7);
        assertNote(logs[0], address(vow), address(this), abi.encodeWithSignature("file(bytes32,uint256)", bytes32("sump"), 7));
    }

    /// Short calldata: the missing words are zero (topic 3 of a one-argument call, the data's tail).
    /// Long calldata: only the first 224 bytes are logged.
    function test_calldataLengths() public {
        vm.recordLogs();
        vat.hope(bob);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1);
        assertEq(logs[0].topics[3], bytes32(0));
        assertNote(logs[0], address(vat), address(this), abi.encodeCall(DssVat.hope, (bob)));

        bytes memory long = bytes.concat(abi.encodeCall(DssVat.hope, (carol)), new bytes(200));
        for (uint256 i = 36; i < long.length; i++) {
            long[i] = bytes1(uint8(i));
        }
        vm.recordLogs();
        (bool ok,) = address(vat).call(long);
        assertTrue(ok);
        logs = vm.getRecordedLogs();
        assertEq(logs.length, 1);
        assertEq(long.length, 236);
        assertNote(logs[0], address(vat), address(this), long);
        assertEq(vat.can(address(this), carol), 1);
    }

    /// A reverted call leaves no note; with notes on every state-changing call of the set notes.
    function test_revertedCall_noNote_andEveryNote() public {
        vm.recordLogs();
        vm.prank(stranger);
        (bool ok,) = address(vat).call(abi.encodeCall(DssVat.suck, (stranger, stranger, 1)));
        assertFalse(ok);
        assertEq(vm.getRecordedLogs().length, 0);

        vm.recordLogs();
        vat.suck(FUNDER, address(this), 1);
        vow.fess(0);
        vow.flog(START);
        flop.file("beg", BEG);
        daiJoin.rely(stranger);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 5);
        assertEq(logs[0].emitter, address(vat));
        assertEq(logs[1].emitter, address(vow));
        assertEq(logs[2].emitter, address(vow));
        assertEq(logs[3].emitter, address(flop));
        assertEq(logs[4].emitter, address(daiJoin));
        for (uint256 i; i < 5; i++) {
            assertEq(logs[i].topics.length, 4);
            assertEq(logs[i].data.length, 288);
        }
    }

    /// The note does not disturb memory the function still uses: a `flop` returns its id, view
    /// getters after notes read right, and the notes of a whole auction are one per call.
    function test_lifecycle_noteCounts() public {
        uint256 id = flopAuction();
        assertEq(id, 1);
        vm.recordLogs();
        dent(alice, id, 200 * WAD); // move, heal, kiss, dent
        vm.warp(START + 1 hours);
        dent(bob, id, 190 * WAD); // move, dent
        vm.warp(START + 1 hours + TTL + 1);
        flop.deal(id); // Transfer, deal
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 8);
        assertEq(logs[6].emitter, address(gem));
        assertNote(logs[7], address(flop), address(this), abi.encodeCall(DssFlopper.deal, (id)));
    }
}
