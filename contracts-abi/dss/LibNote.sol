// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title LibNote
/// @notice The anonymous call log of MakerDAO's 2019 dss contracts, written from its documented
/// behaviour (not dss's code), behind a switch. With `notes` true every function marked `note`
/// emits, after its body, one anonymous log with four topics: the 4-byte selector left-aligned
/// (`msg.sig`), the caller, the calldata words at offsets 4 and 36 (first and second argument), and
/// as data the ABI-encoded `bytes` of the first 224 bytes of calldata (0x20, 224, then 224 bytes,
/// zero-padded when the calldata is shorter: 288 bytes in all). With `notes` false (the later dss
/// snapshots) nothing is emitted. A reverted call emits nothing either way.
abstract contract LibNote {
    /// @notice The note's layout, for ABI decoders (emitted through `log4` in assembly).
    event LogNote(
        bytes4 indexed sig, address indexed usr, bytes32 indexed arg1, bytes32 indexed arg2, bytes data
    ) anonymous;

    /// @notice True if `note` functions emit `LogNote` (the 2019 dss contracts), false if they emit
    /// nothing (the later snapshots). Fixed at construction.
    bool public immutable notes;

    constructor(bool notes_) {
        notes = notes_;
    }

    /// @dev Runs the function, then emits the note when `notes` is on. A `return` in the body still
    /// reaches the note (modifier code after `_` runs), and the return data is encoded after it.
    modifier note() {
        _;
        if (notes) _note();
    }

    /// @dev Writes the 288 bytes of data at the free memory pointer without moving it: scratch
    /// memory above the pointer, which nothing reads afterwards (memory-safe).
    function _note() private {
        assembly ("memory-safe") {
            let mark := mload(0x40)
            mstore(mark, 0x20)
            mstore(add(mark, 0x20), 224)
            calldatacopy(add(mark, 0x40), 0, 224)
            log4(mark, 288, shl(224, shr(224, calldataload(0))), caller(), calldataload(4), calldataload(36))
        }
    }
}
