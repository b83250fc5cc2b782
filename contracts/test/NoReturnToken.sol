// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title A token whose transfers return nothing
/// @notice Behaves like USDT on Ethereum: `transfer` and `transferFrom` move the tokens as
/// OpenZeppelin's ERC-20 does (same errors, same events) but return no data at all, so a caller
/// that decodes a bool from them reverts, and SafeERC20 accepts them. Anyone may mint (test use).
/// @dev The ABI still lists the inherited bool output (Solidity cannot override a function with
/// a different return type); what the EVM returns is empty, which is what such callers meet.
contract NoReturnToken is ERC20 {
    constructor() ERC20("No Return USD", "NUSD") {}

    /// @notice Creates `amount` tokens for `to`; open to anyone (test use only).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Moves the tokens as ERC-20 does and returns no data.
    function transfer(address to, uint256 value) public override returns (bool) {
        _transfer(_msgSender(), to, value);
        assembly ("memory-safe") {
            return(0, 0)
        }
    }

    /// @notice Moves the tokens as ERC-20 does (spending the allowance) and returns no data.
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _spendAllowance(from, _msgSender(), value);
        _transfer(from, to, value);
        assembly ("memory-safe") {
            return(0, 0)
        }
    }
}
