// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// Test-only flash callee. Its `dutchCall`:
/// - with data `0x01`: re-enters `take` on the auction (which must revert `Locked()`);
/// - with data `0x02`: records the call and returns;
/// - with longer data `abi.encode(address target, bytes call)`: calls `target` with `call` from
///   inside the callback and bubbles up a revert, so a test can try to re-enter anything.
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
            _call(
                dutch,
                abi.encodeWithSignature(
                    "take(uint256,uint256,uint256,address,bytes)", 1, 1, type(uint256).max, address(this), ""
                )
            );
        } else if (data.length > 1) {
            (address target, bytes memory call) = abi.decode(data, (address, bytes));
            _call(target, call);
        }
        calls += 1;
        lastOwe = owe;
        lastSlice = slice;
        lastSender = sender;
    }

    /// Approves `spender` for `token` (so the mock can pay for what it takes).
    function approve(address token, address spender) external {
        _call(token, abi.encodeWithSignature("approve(address,uint256)", spender, type(uint256).max));
    }

    function _call(address target, bytes memory call) private {
        (bool ok, bytes memory ret) = target.call(call);
        if (!ok) {
            assembly {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }
}
