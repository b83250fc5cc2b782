// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {Administered, NotAdmin, ZeroAddress} from "./Administered.sol";

/// @title DCMX utility token (ERC-20 / TRC-20)
/// @notice Capped at one billion tokens. The cap bounds everything ever minted, not the current
/// supply, so burned tokens can never be minted again. Only minters the admin authorizes may
/// mint (the reward vault is one); the admin can finish minting for good.
contract DCMXToken is ERC20, ERC20Burnable, Administered {
    uint256 public constant CAP = 1_000_000_000 * 10 ** 18;

    uint256 public totalMinted;
    bool public mintingFinished;
    mapping(address account => bool) public isMinter;

    event MinterAdded(address indexed account);
    event MinterRemoved(address indexed account);
    event MintingFinished();

    error NotMinter(address account);
    error AlreadyMinter(address account);
    error UnknownMinter(address account);
    error MintingIsFinished();
    error SupplyCapExceeded(uint256 requested, uint256 headroom);

    constructor(address admin_) ERC20("DCMX", "DCMX") Administered(admin_) {}

    /// @notice A minter creates `amount` new tokens for `to`, within the cap.
    function mint(address to, uint256 amount) external {
        if (!isMinter[msg.sender]) revert NotMinter(msg.sender);
        if (mintingFinished) revert MintingIsFinished();
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        uint256 headroom = CAP - totalMinted;
        if (amount > headroom) revert SupplyCapExceeded(amount, headroom);
        totalMinted += amount;
        _mint(to, amount);
    }

    function addMinter(address account) external onlyAdmin {
        if (account == address(0)) revert ZeroAddress();
        if (isMinter[account]) revert AlreadyMinter(account);
        isMinter[account] = true;
        emit MinterAdded(account);
    }

    function removeMinter(address account) external onlyAdmin {
        if (!isMinter[account]) revert UnknownMinter(account);
        isMinter[account] = false;
        emit MinterRemoved(account);
    }

    /// @notice Ends minting; nobody can ever mint again.
    function finishMinting() external onlyAdmin {
        if (mintingFinished) revert MintingIsFinished();
        mintingFinished = true;
        emit MintingFinished();
    }
}
