// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title A payment token for tests
/// @notice A plain OpenZeppelin ERC-20 that anyone may mint: the stand-in for a stablecoin that
/// buyers pay with. Never deploy it anywhere that matters.
contract PaymentToken is ERC20 {
    constructor() ERC20("Payment Token", "PAY") {}

    /// @notice Creates `amount` tokens for `to`; open to anyone (test use only).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
