// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Deployed} from "./Deployed.sol";
import {AaveBadDebtBook} from "../../src/AaveBadDebtBook.sol";
import {AaveRepaySink} from "../../src/AaveRepaySink.sol";
import {AavePoolMock} from "../../mocks/AavePoolMock.sol";

/// @notice The system of `Deployed` recapitalizing an Aave-like pool (the mock of
/// mocks/AavePoolMock.sol) whose reserve is the system's stablecoin (the raise asset, WETH-like):
/// the book is a ward of the accountant and the repay sink is the accountant's sink.
abstract contract AaveSetup is Deployed {
    AavePoolMock internal pool;
    AaveBadDebtBook internal book;
    AaveRepaySink internal sink;

    function deployAave() internal {
        deploy();
        pool = new AavePoolMock(address(stable));
        book = new AaveBadDebtBook(address(accountant), address(pool), address(stable));
        sink = new AaveRepaySink(address(book));
        accountant.rely(address(book));
        accountant.file("sink", address(sink));
    }

    /// Bad debt of `amount` on `user`: borrowed, then liquidated down to no collateral.
    function badDebt(address user, uint256 amount) internal {
        pool.setDebt(user, amount);
        pool.setCollateral(user, 0);
    }
}
