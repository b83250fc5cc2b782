// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// @title Plain OpenZeppelin ERC-721
/// @notice The gas yardstick for the music NFT: OpenZeppelin 5 as it comes, plus an open mint.
contract PlainERC721 is ERC721 {
    constructor() ERC721("Plain", "PLAIN") {}

    /// @notice Creates token `tokenId` for `to`; open to anyone (test use only).
    function mint(address to, uint256 tokenId) external {
        _mint(to, tokenId);
    }
}
