// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Vm} from "forge-std/Vm.sol";

interface IUniswapV2Factory {
    function createPair(address tokenA, address tokenB) external returns (address pair);
}

interface IUniswapV2Pair {
    function token0() external view returns (address);
    function token1() external view returns (address);
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);
    function mint(address to) external returns (uint256 liquidity);
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
    function sync() external;
}

/// @notice The real Uniswap V2 factory (npm package uniswap/v2-core 1.0.1, installed by
/// scripts/install-tools.sh into tools/node_modules; never copied into the repository), deployed
/// from its published bytecode. The pair's bytecode is inside the factory's.
library UniswapV2 {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    string private constant FACTORY = "../tools/node_modules/@uniswap/v2-core/build/UniswapV2Factory.json";

    function deployFactory(address feeToSetter) internal returns (IUniswapV2Factory f) {
        string memory json = vm.readFile(FACTORY);
        bytes memory code = vm.parseBytes(string.concat("0x", vm.parseJsonString(json, ".bytecode")));
        bytes memory init = abi.encodePacked(code, abi.encode(feeToSetter));
        assembly ("memory-safe") {
            f := create(0, add(init, 0x20), mload(init))
        }
        require(address(f) != address(0), "UniswapV2Factory deployment failed");
    }

    /// @dev UniswapV2Library.getAmountOut.
    function amountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) internal pure returns (uint256) {
        uint256 inWithFee = amountIn * 997;
        return inWithFee * reserveOut / (reserveIn * 1000 + inWithFee);
    }

    /// @dev `pair`'s reserves of `tokenIn` and of the other token.
    function reservesOf(IUniswapV2Pair pair, address tokenIn) internal view returns (uint256 rIn, uint256 rOut) {
        (uint112 r0, uint112 r1,) = pair.getReserves();
        (rIn, rOut) = pair.token0() == tokenIn ? (uint256(r0), uint256(r1)) : (uint256(r1), uint256(r0));
    }
}
