// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @dev Refusals shared by several DCMX contracts. Each name is the name of the matching
/// domain error class in dcmx_core.exceptions, so that a revert translates back to it.
error NotAdmin(address account);
error NotPendingAdmin(address account);
error ZeroAddress();
error EmptyHash();
error OutOfRange();

/// @title Administered
/// @notice One admin per contract, handed over in two steps: the admin proposes a successor
/// and the handover takes effect only when the successor accepts, so a typo cannot lose the
/// contract. Proposing the zero address withdraws a proposal.
abstract contract Administered {
    address public admin;
    address public pendingAdmin;

    event AdminProposed(address indexed proposed);
    event AdminChanged(address indexed previous, address indexed current);

    constructor(address admin_) {
        if (admin_ == address(0)) revert ZeroAddress();
        admin = admin_;
    }

    modifier onlyAdmin() {
        if (msg.sender != admin) revert NotAdmin(msg.sender);
        _;
    }

    /// @notice The admin proposes a successor; the zero address withdraws a proposal.
    function proposeAdmin(address proposed) external onlyAdmin {
        pendingAdmin = proposed;
        emit AdminProposed(proposed);
    }

    /// @notice The proposed successor accepts and becomes the admin.
    function acceptAdmin() external {
        address proposed = pendingAdmin;
        if (proposed == address(0) || msg.sender != proposed) revert NotPendingAdmin(msg.sender);
        address previous = admin;
        admin = proposed;
        pendingAdmin = address(0);
        emit AdminChanged(previous, proposed);
    }
}
