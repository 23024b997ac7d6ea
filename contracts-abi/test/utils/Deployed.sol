// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Stablecoin} from "../../src/Stablecoin.sol";
import {GovToken} from "../../src/GovToken.sol";
import {PriceOracle} from "../../src/PriceOracle.sol";
import {Accountant} from "../../src/Accountant.sol";
import {EnglishDebtAuction} from "../../src/EnglishDebtAuction.sol";
import {DutchDebtAuction} from "../../src/DutchDebtAuction.sol";

/// @notice The whole system deployed and wired as contracts-abi/README.md says, with the deployer
/// (the inheriting test) as the first ward of everything. Used by the forge suites and halmos.
abstract contract Deployed {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant MAX_TIME = 2 ** 40 - 1;
    uint256 internal constant MAX_DURATION = 315_360_000;

    /// Black Thursday sizes: 50,000 stablecoin per auction, opening lot 250 governance tokens.
    uint256 internal constant SUMP = 50_000e18;
    uint256 internal constant DUMP = 250e18;
    /// 200 stablecoin per governance token.
    uint256 internal constant PRICE = 200e27;

    address internal constant SINK = address(0x51);

    Stablecoin internal stable;
    GovToken internal gov;
    PriceOracle internal oracle;
    Accountant internal accountant;
    EnglishDebtAuction internal english;
    DutchDebtAuction internal dutch;

    function deploy() internal {
        stable = new Stablecoin("Stablecoin", "STB");
        gov = new GovToken("Governance", "GOV");
        oracle = new PriceOracle(PRICE);
        accountant = new Accountant(address(stable), SINK);
        english = new EnglishDebtAuction(address(accountant), address(stable), address(gov), address(oracle));
        dutch = new DutchDebtAuction(address(accountant), address(stable), address(gov), address(oracle));
        gov.rely(address(english));
        gov.rely(address(dutch));
        accountant.rely(address(english));
        accountant.rely(address(dutch));
        english.rely(address(accountant));
        dutch.rely(address(accountant));
        accountant.file("english", address(english));
        accountant.file("dutch", address(dutch));
        accountant.file("sump", SUMP);
        accountant.file("dump", DUMP);
    }
}
