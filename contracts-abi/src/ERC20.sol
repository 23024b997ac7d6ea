// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Auth} from "./Auth.sol";

/// @title ERC20
/// @notice Minimal ERC20 with 18 decimals shared by `Stablecoin` and `GovToken`: wards mint, anyone
/// burns their own balance. An allowance of `type(uint256).max` is infinite and never decremented;
/// `transferFrom` by the owner itself needs no allowance. The balance is checked before the
/// allowance, so a payer short of both gets `InsufficientBalance(have, need)`, as in the core model.
abstract contract ERC20 is Auth {
    uint8 public constant decimals = 18;

    string public name;
    string public symbol;
    uint256 public totalSupply;
    mapping(address usr => uint256) public balanceOf;
    mapping(address owner => mapping(address spender => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(string memory name_, string memory symbol_) {
        name = name_;
        symbol = symbol_;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 bal = balanceOf[from];
        if (bal < amount) revert InsufficientBalance(bal, amount);
        if (from != msg.sender) {
            uint256 allowed = allowance[from][msg.sender];
            if (allowed != type(uint256).max) {
                if (allowed < amount) revert InsufficientAllowance(allowed, amount);
                // allowed >= amount was just checked.
                unchecked {
                    allowance[from][msg.sender] = allowed - amount;
                }
            }
        }
        // amount <= bal; the receiver's balance stays <= totalSupply.
        unchecked {
            balanceOf[from] = bal - amount;
            balanceOf[to] += amount;
        }
        emit Transfer(from, to, amount);
        return true;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    /// @notice Create `amount` tokens for `to` (wards only).
    function mint(address to, uint256 amount) external auth {
        totalSupply += amount;
        // balanceOf[to] <= totalSupply, and the checked sum above did not overflow.
        unchecked {
            balanceOf[to] += amount;
        }
        emit Transfer(address(0), to, amount);
    }

    /// @notice Destroy `amount` of the caller's own tokens.
    function burn(uint256 amount) external {
        uint256 bal = balanceOf[msg.sender];
        if (bal < amount) revert InsufficientBalance(bal, amount);
        // amount <= bal <= totalSupply.
        unchecked {
            balanceOf[msg.sender] = bal - amount;
            totalSupply -= amount;
        }
        emit Transfer(msg.sender, address(0), amount);
    }

    function _move(address from, address to, uint256 amount) internal {
        uint256 bal = balanceOf[from];
        if (bal < amount) revert InsufficientBalance(bal, amount);
        // amount <= bal; the receiver's balance stays <= totalSupply.
        unchecked {
            balanceOf[from] = bal - amount;
            balanceOf[to] += amount;
        }
        emit Transfer(from, to, amount);
    }
}
