// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title A token that re-enters the contract that calls it
/// @notice An ERC-20 whose `transfer`, `transferFrom` and `mint` move the tokens and then call
/// `target` (fixed at construction) with the calldata armed by `arm`, once per outer call, as a
/// hostile token's hook would. When that call reverts, its revert data comes back unchanged as
/// this token's revert, so a test sees the target's own refusal (a reentrancy guard's error, or
/// a state check the target made before calling out). Anyone may mint and arm (test use only).
contract ReentrantToken is ERC20 {
    address public immutable target;
    bytes public attack;
    /// @notice How many re-entries went through without being refused.
    uint256 public reentries;
    bool private _attacking;

    constructor(address target_) ERC20("Reentrant", "REENTER") {
        target = target_;
    }

    /// @notice Sets the calldata sent to `target` on every later transfer; empty disarms.
    function arm(bytes calldata data) external {
        attack = data;
    }

    /// @notice Creates `amount` tokens for `to`, then re-enters; open to anyone.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
        _reenter();
    }

    /// @notice Moves the tokens as ERC-20 does, then re-enters.
    function transfer(address to, uint256 value) public override returns (bool) {
        super.transfer(to, value);
        _reenter();
        return true;
    }

    /// @notice Moves the tokens as ERC-20 does, then re-enters.
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        super.transferFrom(from, to, value);
        _reenter();
        return true;
    }

    function _reenter() private {
        if (_attacking || attack.length == 0) return;
        _attacking = true;
        (bool ok, bytes memory returned) = target.call(attack);
        _attacking = false;
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(returned, 0x20), mload(returned))
            }
        }
        reentries += 1;
    }
}
