// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title A payment token for the NFT and distributor tests
/// @notice An OpenZeppelin ERC-20 that anyone may mint, with the misbehaviours a distributor must
/// survive: `transfer` and `transferFrom` return false on success when built with
/// `falseOnSuccess` (as TRON's USDT does); a `shortfall` is burned from every transfer between
/// two accounts (a fee-on-transfer token); an `inert` token reports success and moves nothing.
/// Never deploy it anywhere that matters.
contract PaymentTokenMock is ERC20 {
    bool public immutable falseOnSuccess;
    uint256 public shortfall;
    bool public inert;

    constructor(bool falseOnSuccess_) ERC20("Payment Token Mock", "PTM") {
        falseOnSuccess = falseOnSuccess_;
    }

    /// @notice Creates `amount` tokens for `to`; open to anyone (test use only).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice From now on, burn `amount` (at most the value) of every transfer on its way.
    function setShortfall(uint256 amount) external {
        shortfall = amount;
    }

    /// @notice From now on, transfers report success and move nothing.
    function setInert(bool inert_) external {
        inert = inert_;
    }

    /// @notice ERC-20 transfer, answering false on success when built so.
    function transfer(address to, uint256 value) public override returns (bool) {
        if (!inert) super.transfer(to, value);
        return !falseOnSuccess;
    }

    /// @notice ERC-20 transferFrom, answering false on success when built so.
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (!inert) super.transferFrom(from, to, value);
        return !falseOnSuccess;
    }

    function _update(address from, address to, uint256 value) internal override {
        uint256 cut = shortfall < value ? shortfall : value;
        if (from == address(0) || to == address(0) || cut == 0) {
            super._update(from, to, value);
            return;
        }
        super._update(from, address(0), cut);
        super._update(from, to, value - cut);
    }
}
