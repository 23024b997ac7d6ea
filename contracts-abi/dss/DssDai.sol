// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title DssERC20
/// @notice The 18-decimal ERC20 of dss's DAI token (and of the MKR-like governance token), written
/// from the published interface: wards `mint`; `burn` of anyone's balance with an allowance; an
/// allowance of `type(uint256).max` is never decreased; `transferFrom` by the owner needs none. The
/// balance is checked before the allowance. The revert strings carry the inheriting token's prefix.
/// Units: WAD (1e18 = one token).
abstract contract DssERC20 {
    /// @notice 1 if `usr` is a ward (may `mint`, `rely`, `deny`), else 0.
    mapping(address => uint256) public wards;
    /// @notice Tokens in existence, WAD.
    uint256 public totalSupply;
    /// @notice Balance of an address, WAD.
    mapping(address => uint256) public balanceOf;
    /// @notice `allowance[owner][spender]`, WAD; `type(uint256).max` is infinite.
    mapping(address => mapping(address => uint256)) public allowance;
    /// @notice Always 18.
    uint8 public constant decimals = 18;

    event Approval(address indexed src, address indexed guy, uint256 wad);
    event Transfer(address indexed src, address indexed dst, uint256 wad);

    constructor() {
        wards[msg.sender] = 1;
    }

    modifier auth() {
        if (wards[msg.sender] != 1) revert(_notAuthorized());
        _;
    }

    /// @notice Make `usr` a ward (wards only).
    function rely(address usr) external auth {
        wards[usr] = 1;
    }

    /// @notice Remove `usr` from the wards (wards only).
    function deny(address usr) external auth {
        wards[usr] = 0;
    }

    /// @notice Send `wad` (WAD) of the caller's tokens to `dst`.
    function transfer(address dst, uint256 wad) external returns (bool) {
        return transferFrom(msg.sender, dst, wad);
    }

    /// @notice Send `wad` (WAD) from `src` to `dst`; a caller other than `src` spends its allowance
    /// (unless infinite).
    function transferFrom(address src, address dst, uint256 wad) public returns (bool) {
        if (balanceOf[src] < wad) revert(_insufficientBalance());
        _spend(src, wad);
        balanceOf[src] -= wad;
        balanceOf[dst] += wad;
        emit Transfer(src, dst, wad);
        return true;
    }

    /// @notice Set the caller's allowance for `usr` to `wad` (WAD).
    function approve(address usr, uint256 wad) external returns (bool) {
        allowance[msg.sender][usr] = wad;
        emit Approval(msg.sender, usr, wad);
        return true;
    }

    /// @notice Create `wad` (WAD) tokens for `usr` (wards only).
    function mint(address usr, uint256 wad) external auth {
        balanceOf[usr] += wad;
        totalSupply += wad;
        emit Transfer(address(0), usr, wad);
    }

    /// @notice Destroy `wad` (WAD) of `usr`'s tokens; a caller other than `usr` spends its
    /// allowance (unless infinite).
    function burn(address usr, uint256 wad) external {
        if (balanceOf[usr] < wad) revert(_insufficientBalance());
        _spend(usr, wad);
        balanceOf[usr] -= wad;
        totalSupply -= wad;
        emit Transfer(usr, address(0), wad);
    }

    /// @notice The token's name.
    function name() external view virtual returns (string memory);

    /// @notice The token's symbol.
    function symbol() external view virtual returns (string memory);

    function _spend(address src, uint256 wad) private {
        if (src != msg.sender && allowance[src][msg.sender] != type(uint256).max) {
            if (allowance[src][msg.sender] < wad) revert(_insufficientAllowance());
            allowance[src][msg.sender] -= wad;
        }
    }

    function _notAuthorized() internal pure virtual returns (string memory);

    function _insufficientBalance() internal pure virtual returns (string memory);

    function _insufficientAllowance() internal pure virtual returns (string memory);
}

/// @title DssDai
/// @notice Test contract with the ERC20 ABI and revert strings of dss's `Dai` ("Dai Stablecoin",
/// "DAI", 18 decimals); only `DssDaiJoin` (a ward) should mint. Not dss's code. Units: WAD.
contract DssDai is DssERC20 {
    /// @notice "Dai Stablecoin".
    string public constant override name = "Dai Stablecoin";
    /// @notice "DAI".
    string public constant override symbol = "DAI";

    function _notAuthorized() internal pure override returns (string memory) {
        return "Dai/not-authorized";
    }

    function _insufficientBalance() internal pure override returns (string memory) {
        return "Dai/insufficient-balance";
    }

    function _insufficientAllowance() internal pure override returns (string memory) {
        return "Dai/insufficient-allowance";
    }
}
