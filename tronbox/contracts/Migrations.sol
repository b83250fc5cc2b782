// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// TronBox's record of the last migration it ran on a network: `tronbox migrate` reads it to
/// run only the migrations that are new.
contract Migrations {
    address public immutable owner = msg.sender;
    uint256 public last_completed_migration;

    error NotOwner(address caller);

    function setCompleted(uint256 completed) external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        last_completed_migration = completed;
    }
}
