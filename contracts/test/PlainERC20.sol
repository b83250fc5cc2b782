// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title Plain OpenZeppelin ERC-20
/// @notice The gas yardstick for the DCMX token: OpenZeppelin 5 as it comes, plus an open mint.
contract PlainERC20 is ERC20 {
    constructor() ERC20("Plain", "PLAIN") {}

    /// @notice Creates `amount` tokens for `to`; open to anyone (test use only).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
