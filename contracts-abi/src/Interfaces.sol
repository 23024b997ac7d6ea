// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @notice The part of ERC20 that Backstop uses, so any ERC20 can be the stablecoin.
interface IERC20Min {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function balanceOf(address usr) external view returns (uint256);
}

/// @notice Governance token: the auctions mint it (they are its wards).
interface IGovToken {
    function mint(address to, uint256 amount) external;
}

/// @notice Price feed: stablecoin per governance token, RAY.
interface IPriceOracle {
    function price() external view returns (uint256);
}

/// @notice The accountant's hooks and views that the auctions use.
interface IAccountant {
    function Ash() external view returns (uint256);
    function sinkAndAsh() external view returns (address sink, uint256 ash);
    function settle(uint256 raised) external returns (address sink, uint256 k, uint256 ash);
    function unwind(uint256 amount) external;
    function refund(address to, uint256 amount) external;
}

/// @notice What the accountant calls on the English debt auction.
interface IEnglishDebtAuction {
    function openingLot(uint256 dump, uint256 bid) external view returns (uint256);
    function kick(address gal, uint256 lot, uint256 bid) external returns (uint256 id);
}

/// @notice What the accountant calls on the Dutch debt auction.
interface IDutchDebtAuction {
    function kick(uint256 tab, uint256 lot, address kpr) external returns (uint256 id);
}
