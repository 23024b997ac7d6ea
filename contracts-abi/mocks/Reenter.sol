// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// Test-only flash callee for test/semantics.sh: its dutchCall re-enters `take` on the auction
/// (which must revert `Locked()`), or with data 0x02 records the call and returns.
contract Reenter {
    address public immutable dutch;
    uint256 public calls;
    uint256 public lastOwe;
    uint256 public lastSlice;
    address public lastSender;

    constructor(address dutch_) {
        dutch = dutch_;
    }

    function dutchCall(address sender, uint256 owe, uint256 slice, bytes calldata data) external {
        if (data.length == 1 && data[0] == 0x01) {
            (bool ok, bytes memory ret) = dutch.call(
                abi.encodeWithSignature(
                    "take(uint256,uint256,uint256,address,bytes)", 1, 1, type(uint256).max, address(this), ""
                )
            );
            if (!ok) {
                assembly {
                    revert(add(ret, 0x20), mload(ret))
                }
            }
        }
        calls += 1;
        lastOwe = owe;
        lastSlice = slice;
        lastSender = sender;
    }
}
