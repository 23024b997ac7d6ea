// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Auth} from "./Auth.sol";
import {Lock} from "./Lock.sol";
import {SafeTransfer} from "./SafeTransfer.sol";

/// @title StakingVault
/// @notice The staking layer of the loss waterfall (docs/design/waterfall.md, "Staking vault"):
/// first-loss capital in the raise asset (the accountant's stablecoin), ERC-4626 names, shares WAD.
/// Rules, rounding and check order are those of `backstop_core::waterfall::StakingVault`, to the
/// wei.
///
/// - Accounting is internal: `totalAssets` moves only with deposits, mints, exits, slashes and
///   rewards, never with `balanceOf` (a donation by transfer changes nothing).
/// - Conversions use one virtual share and one virtual asset (OpenZeppelin's offset 0):
///   `convert(x, n, d) = x · (n + 1) / (d + 1)`, rounded down (`deposit`, `redeem`) or up (`mint`,
///   `withdraw`), always in the vault's favour.
/// - Shares are not transferable: there is no `transfer`, `transferFrom` or `approve` (a transfer
///   would let a staker in cooldown hand its exposure to a fresh address), and `withdraw`/`redeem`
///   need `owner == msg.sender` (no allowances).
/// - `cooldown()` records `(start = now, shares = balance)`; an exit is allowed only in the unstake
///   window `[start + cooldown, start + cooldown + window]` (inclusive) and for at most the recorded
///   shares, which fall by what leaves. A new `cooldown()` replaces the record.
/// - `pause()` stops slash, deposit, mint, withdraw and redeem (`Paused()`); `cooldown()` and
///   `reward` still work.
/// - `slash(amount, to)` (ward: the waterfall) takes `min(amount, ⌊totalAssets · maxSlash / WAD⌋)`.
///
/// Amounts are WAD of the asset, times unix seconds. A cooldown record with `start == 0` means none
/// (no block has timestamp 0).
contract StakingVault is Auth, Lock {
    using SafeTransfer for address;

    uint256 internal constant WAD = 1e18;
    /// @notice Longest `cooldown` and `window`, seconds (10 years, as everywhere in Backstop).
    uint256 public constant MAX_DURATION = 315_360_000;
    /// @notice Shares have 18 decimals, as the asset.
    uint8 public constant decimals = 18;

    struct Record {
        uint256 start; // seconds; 0 = none
        uint256 shares; // WAD
    }

    /// @notice The staked asset (the raise asset, 18 decimals).
    address public immutable asset;

    /// @notice Assets held for the stakers, WAD (internal accounting).
    uint256 public totalAssets;
    /// @notice Shares outstanding, WAD.
    uint256 public totalSupply;
    /// @notice Shares of `usr`, WAD.
    mapping(address usr => uint256) public balanceOf;
    mapping(address usr => Record) internal cooldowns;

    /// @dev Seconds from `cooldown()` until the unstake window opens (`<= MAX_DURATION`); read
    /// with `cooldownPeriod()`.
    uint256 internal cooldown_ = 20 days;
    /// @notice Seconds the unstake window stays open (`0 < window <= MAX_DURATION`).
    uint256 public window = 2 days;
    /// @notice Largest fraction of the assets one slash takes, WAD (`<= WAD`).
    uint256 public maxSlash = 0.3e18;
    /// @notice True while paused.
    bool public paused;

    event Deposit(address indexed sender, address indexed owner, uint256 assets, uint256 shares);
    event Withdraw(
        address indexed sender, address indexed receiver, address indexed owner, uint256 assets, uint256 shares
    );
    event Cooldown(address indexed who, uint256 shares);
    event Slash(uint256 asked, uint256 slashed, address indexed to);
    event Reward(address indexed from, uint256 amount);
    event Pause(bool paused);
    event File(bytes32 indexed what, uint256 data);

    /// @param asset_ the raise asset (an 18-decimal ERC20 that moves exact amounts)
    constructor(address asset_) {
        asset = asset_;
    }

    // ---- conversions (ERC-4626 views) ----

    /// @dev `x · (n + 1) / (d + 1)`, rounded down or up; checked (an overflow panics: `Overflow`).
    function _convert(uint256 x, uint256 n, uint256 d, bool up) internal pure returns (uint256 q) {
        uint256 m = n + 1;
        uint256 den = d + 1;
        q = x * m / den;
        // Up: one more when the division leaves a remainder (then q < x · m / den, so q + 1 fits).
        if (up && mulmod(x, m, den) != 0) q += 1;
    }

    /// @dev `ZeroShares()` unless an entry or exit moves both shares and assets.
    function _moves(uint256 shares, uint256 assets) internal pure {
        if (shares != 0 && assets != 0) return;
        revert ZeroShares();
    }

    /// @notice Shares `assets` (WAD) buy, rounded down: `assets · (totalSupply + 1) / (totalAssets + 1)`.
    function convertToShares(uint256 assets) public view returns (uint256) {
        return _convert(assets, totalSupply, totalAssets, false);
    }

    /// @notice Assets `shares` (WAD) are worth, rounded down: `shares · (totalAssets + 1) / (totalSupply + 1)`.
    function convertToAssets(uint256 shares) public view returns (uint256) {
        return _convert(shares, totalAssets, totalSupply, false);
    }

    /// @notice Shares a `deposit` of `assets` (WAD) mints, rounded down.
    function previewDeposit(uint256 assets) external view returns (uint256) {
        return convertToShares(assets);
    }

    /// @notice Assets (WAD) a `mint` of `shares` (WAD) costs, rounded up.
    function previewMint(uint256 shares) public view returns (uint256) {
        return _convert(shares, totalAssets, totalSupply, true);
    }

    /// @notice Shares (WAD) a `withdraw` of `assets` (WAD) burns, rounded up.
    function previewWithdraw(uint256 assets) public view returns (uint256) {
        return _convert(assets, totalSupply, totalAssets, true);
    }

    /// @notice Assets (WAD) a `redeem` of `shares` (WAD) pays, rounded down.
    function previewRedeem(uint256 shares) external view returns (uint256) {
        return convertToAssets(shares);
    }

    /// @notice Largest deposit, WAD: 0 while paused, else unlimited.
    function maxDeposit(address) external view returns (uint256) {
        return paused ? 0 : type(uint256).max;
    }

    /// @notice Largest mint, WAD: 0 while paused, else unlimited.
    function maxMint(address) external view returns (uint256) {
        return paused ? 0 : type(uint256).max;
    }

    /// @notice Largest `withdraw` by `owner` now, WAD: the assets its exitable shares are worth
    /// (rounded down), 0 while paused or outside its unstake window.
    function maxWithdraw(address owner) external view returns (uint256) {
        return convertToAssets(_exitable(owner));
    }

    /// @notice Largest `redeem` by `owner` now, WAD: `min(recorded cooldown shares, balance)`, 0
    /// while paused or outside its unstake window.
    function maxRedeem(address owner) external view returns (uint256) {
        return _exitable(owner);
    }

    function _exitable(address owner) internal view returns (uint256) {
        if (paused) return 0;
        Record memory c = cooldowns[owner];
        (uint256 opens, uint256 closes) = _window(c.start);
        if (block.timestamp < opens || block.timestamp > closes) return 0;
        uint256 have = balanceOf[owner];
        return c.shares < have ? c.shares : have;
    }

    // ---- cooldown ----

    /// @notice Seconds from `cooldown()` until the unstake window opens (the parameter `cooldown`;
    /// the getter has this name because `cooldown()` starts one).
    function cooldownPeriod() external view returns (uint256) {
        return cooldown_;
    }

    /// @notice The cooldown of `who`: `start` (seconds, 0 = none) and the shares (WAD) that may
    /// still leave in its window.
    function cooldownOf(address who) external view returns (uint256 start, uint256 shares) {
        Record memory c = cooldowns[who];
        return (c.start, c.shares);
    }

    /// @notice The unstake window of `who`: `(opens, closes)`, seconds, inclusive; `(0, 0)` without
    /// a cooldown.
    function windowOf(address who) external view returns (uint256 opens, uint256 closes) {
        return _window(cooldowns[who].start);
    }

    /// @dev `[start + cooldown, start + cooldown + window]`; `(0, 0)` without a record (`start`
    /// 0), a window no time is in.
    function _window(uint256 start) internal view returns (uint256 opens, uint256 closes) {
        if (start != 0) {
            opens = start + cooldown_;
            closes = opens + window;
        }
    }

    /// @notice Start (or restart) the caller's cooldown now, for all its shares. Works while paused.
    function cooldown() external {
        uint256 shares = balanceOf[msg.sender];
        cooldowns[msg.sender] = Record({start: block.timestamp, shares: shares});
        emit Cooldown(msg.sender, shares);
    }

    // ---- entering ----

    /// @notice Deposit `assets` (WAD) of the asset, pulled from the caller; `receiver` gets
    /// `⌊assets · (totalSupply + 1) / (totalAssets + 1)⌋` shares. Reverts `Paused()`, then
    /// `ZeroShares()` if that is 0.
    /// @return shares minted, WAD
    function deposit(uint256 assets, address receiver) external lock returns (uint256 shares) {
        if (paused) revert Paused();
        shares = convertToShares(assets);
        // The model checks the shares only; 0 assets buy 0 shares, so it is the same rule.
        _moves(shares, assets);
        _credit(receiver, assets, shares);
    }

    /// @notice Mint `shares` (WAD) to `receiver` for `⌈shares · (totalAssets + 1) / (totalSupply + 1)⌉`
    /// of the asset, pulled from the caller. Reverts `Paused()`, then `ZeroShares()` if either is 0.
    /// @return assets paid, WAD
    function mint(uint256 shares, address receiver) external lock returns (uint256 assets) {
        if (paused) revert Paused();
        assets = previewMint(shares);
        _moves(shares, assets);
        _credit(receiver, assets, shares);
    }

    function _credit(address receiver, uint256 assets, uint256 shares) internal {
        totalAssets += assets;
        totalSupply += shares;
        // balanceOf[receiver] <= totalSupply, whose checked sum did not overflow.
        unchecked {
            balanceOf[receiver] += shares;
        }
        asset.exactTransferFrom(msg.sender, address(this), assets);
        emit Deposit(msg.sender, receiver, assets, shares);
    }

    // ---- leaving ----

    /// @notice Burn the caller's `shares` (WAD) in its unstake window for
    /// `⌊shares · (totalAssets + 1) / (totalSupply + 1)⌋` of the asset, paid to `receiver`.
    /// `owner` must be the caller (`NotAuthorized()`). Check order: `Paused()`,
    /// `NotInUnstakeWindow(opens, closes)`, `AboveCooldownShares(recorded, requested)`,
    /// `InsufficientBalance(have, need)`, `ZeroShares()`.
    /// @return assets paid, WAD
    function redeem(uint256 shares, address receiver, address owner) external lock returns (uint256 assets) {
        if (owner != msg.sender) revert NotAuthorized();
        Record memory c = _checkExit(owner, shares);
        assets = convertToAssets(shares);
        _moves(shares, assets);
        _debit(receiver, owner, c, assets, shares);
    }

    /// @notice Withdraw `assets` (WAD) to `receiver` in the caller's unstake window, burning
    /// `⌈assets · (totalSupply + 1) / (totalAssets + 1)⌉` of its shares. `owner` must be the
    /// caller (`NotAuthorized()`). Check order: the share count (an overflow: `Overflow`), then as
    /// `redeem` on those shares.
    /// @return shares burned, WAD
    function withdraw(uint256 assets, address receiver, address owner) external lock returns (uint256 shares) {
        if (owner != msg.sender) revert NotAuthorized();
        shares = previewWithdraw(assets);
        Record memory c = _checkExit(owner, shares);
        _moves(shares, assets);
        _debit(receiver, owner, c, assets, shares);
    }

    function _checkExit(address owner, uint256 shares) internal view returns (Record memory c) {
        if (paused) revert Paused();
        c = cooldowns[owner];
        // Without a record the window is (0, 0) and now is after it.
        (uint256 opens, uint256 closes) = _window(c.start);
        if (block.timestamp < opens || block.timestamp > closes) revert NotInUnstakeWindow(opens, closes);
        if (shares > c.shares) revert AboveCooldownShares(c.shares, shares);
        uint256 have = balanceOf[owner];
        if (shares > have) revert InsufficientBalance(have, shares);
    }

    function _debit(address receiver, address owner, Record memory c, uint256 assets, uint256 shares) internal {
        totalAssets -= assets;
        // shares <= balanceOf[owner] <= totalSupply and shares <= c.shares were checked.
        unchecked {
            totalSupply -= shares;
            balanceOf[owner] -= shares;
            cooldowns[owner].shares = c.shares - shares;
        }
        asset.safeTransfer(receiver, assets);
        emit Withdraw(msg.sender, receiver, owner, assets, shares);
    }

    // ---- the waterfall's side ----

    /// @notice The most one slash takes now, WAD: `⌊totalAssets · maxSlash / WAD⌋`.
    function slashCap() public view returns (uint256) {
        return totalAssets * maxSlash / WAD;
    }

    /// @notice Take `slashed = min(amount, slashCap())` (WAD) of the assets and send it to `to`
    /// (ward: the waterfall). Every share loses value alike, in cooldown or not. `Paused()` while
    /// paused.
    /// @return slashed WAD
    function slash(uint256 amount, address to) external auth lock returns (uint256 slashed) {
        if (paused) revert Paused();
        uint256 cap = slashCap();
        slashed = amount < cap ? amount : cap;
        // slashed <= cap <= totalAssets (maxSlash <= WAD).
        unchecked {
            totalAssets -= slashed;
        }
        if (slashed != 0) asset.safeTransfer(to, slashed);
        emit Slash(amount, slashed, to);
    }

    /// @notice Add `amount` (WAD) of the asset, pulled from the caller, to the assets: every share
    /// is worth more (emissions). Anyone; works while paused.
    function reward(uint256 amount) external lock {
        totalAssets += amount;
        asset.exactTransferFrom(msg.sender, address(this), amount);
        emit Reward(msg.sender, amount);
    }

    // ---- administration ----

    /// @notice Pause (ward): no slash, deposit, mint, withdraw or redeem until `unpause`.
    function pause() external auth {
        paused = true;
        emit Pause(true);
    }

    /// @notice Lift the pause (ward).
    function unpause() external auth {
        paused = false;
        emit Pause(false);
    }

    /// @notice `cooldown` (seconds, `<= MAX_DURATION`), `window` (seconds, `0 < window <=
    /// MAX_DURATION`), `maxSlash` (WAD, `<= WAD`). Anything else: `InvalidParam(what)`.
    function file(bytes32 what, uint256 data) external auth {
        if (what == "cooldown") {
            if (data > MAX_DURATION) revert InvalidParam(what);
            cooldown_ = data;
        } else if (what == "window") {
            if (data == 0 || data > MAX_DURATION) revert InvalidParam(what);
            window = data;
        } else if (what == "maxSlash") {
            if (data > WAD) revert InvalidParam(what);
            maxSlash = data;
        } else {
            revert InvalidParam(what);
        }
        emit File(what, data);
    }
}
