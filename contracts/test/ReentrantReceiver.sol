// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title A hostile account: an NFT receiver and coin receiver that re-enters
/// @notice On `onERC721Received` and on receiving the native coin it calls `target` with the
/// calldata armed by `arm`, once per outer call, swallows a refusal, and counts the re-entries
/// that went through. It accepts the NFT and the coin either way, so a test sees whether the
/// target let the re-entry in, not a failed payment. `execute` lets it act as an account.
contract ReentrantReceiver {
    address public immutable target;
    bytes public attack;
    uint256 public reentries;
    uint256 public refusals;
    bool private _attacking;

    constructor(address target_) {
        target = target_;
    }

    function arm(bytes calldata data) external {
        attack = data;
    }

    /// @notice Calls any contract as this account (to list, withdraw, approve ...).
    function execute(address to, bytes calldata data) external payable returns (bytes memory) {
        (bool ok, bytes memory returned) = to.call{value: msg.value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(returned, 0x20), mload(returned))
            }
        }
        return returned;
    }

    receive() external payable {
        _reenter();
    }

    function onERC721Received(address, address, uint256, bytes calldata) external returns (bytes4) {
        _reenter();
        return 0x150b7a02;
    }

    function _reenter() private {
        if (_attacking || attack.length == 0) return;
        _attacking = true;
        (bool ok,) = target.call(attack);
        _attacking = false;
        if (ok) {
            reentries += 1;
        } else {
            refusals += 1;
        }
    }
}
