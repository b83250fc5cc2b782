// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title A token that returns false from a successful transfer
/// @notice Behaves like USDT on TRON: `transfer` and `transferFrom` move the tokens and then
/// return false; when they cannot move them they revert with OpenZeppelin's ERC-20 errors, as
/// OpenZeppelin does. A caller that trusts the returned bool refuses a payment that arrived;
/// the robust check is the balance change. 6 decimals, like USDT. Anyone may mint (test use).
contract FalseReturningToken is ERC20 {
    constructor() ERC20("False Returning USD", "FUSD") {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Creates `amount` tokens for `to`; open to anyone (test use only).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Moves the tokens as ERC-20 does, then returns false.
    function transfer(address to, uint256 value) public override returns (bool) {
        super.transfer(to, value);
        return false;
    }

    /// @notice Moves the tokens as ERC-20 does (spending the allowance), then returns false.
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        super.transferFrom(from, to, value);
        return false;
    }
}
