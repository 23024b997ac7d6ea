// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @notice Test stablecoins that are not plain ERC20s (contracts-abi/README.md, "Supported
/// stablecoins"): a USDC-style blocklist and a fee-on-transfer token. 18 decimals, anyone mints.
abstract contract MockToken {
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    function mint(address to, uint256 amount) external {
        totalSupply += amount;
        balanceOf[to] += amount;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        if (from != msg.sender && allowance[from][msg.sender] != type(uint256).max) {
            allowance[from][msg.sender] -= amount;
        }
        _move(from, to, amount);
        return true;
    }

    function _move(address from, address to, uint256 amount) internal virtual {
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
    }
}

/// @notice USDC-style: transfers from or to a blocked address revert.
contract BlocklistToken is MockToken {
    mapping(address => bool) public blocked;

    function block_(address usr, bool on) external {
        blocked[usr] = on;
    }

    function _move(address from, address to, uint256 amount) internal override {
        require(!blocked[from] && !blocked[to], "blocked");
        super._move(from, to, amount);
    }
}

/// @notice Fee-on-transfer: the recipient gets 1% less than was sent (the fee is burned).
contract FeeToken is MockToken {
    function _move(address from, address to, uint256 amount) internal override {
        uint256 fee = amount / 100;
        balanceOf[from] -= amount;
        balanceOf[to] += amount - fee;
        totalSupply -= fee;
    }
}
