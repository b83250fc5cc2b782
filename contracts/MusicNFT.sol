// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC2981} from "@openzeppelin/contracts/interfaces/IERC2981.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Administered, EmptyHash, OutOfRange, ZeroAddress} from "./Administered.sol";

/// @dev Refusals of the music NFT; each name is the matching class in dcmx_core.exceptions.
error UnknownRelease(uint256 releaseId);
error DuplicateRelease(bytes32 contentHash, uint256 releaseId);
error EditionsExhausted(uint256 releaseId, uint256 maxEditions);
error InvalidSplit();
error ReceiverRejected(address receiver);

/// @title DCMX music NFT (ERC-721 / TRC-721, ERC-2981)
/// @notice A release (a track) is published once per content hash with its maximum number of
/// editions, its royalty (at most 50 %) and its split. Editions 1..N are minted in order and never
/// beyond N; edition e of release r is token r × 1,000,000 + e. Every release's royalties go to
/// one receiver, the royalty distributor, which shares them by the release's split.
contract MusicNFT is ERC721, IERC2981, Administered {
    uint256 private constant EDITION_SPACE = 1_000_000;
    uint256 private constant MAX_EDITIONS = 100_000;
    uint256 private constant MAX_TEXT_BYTES = 1_024;
    uint256 private constant MAX_ROYALTY_BPS = 5_000;
    uint256 private constant MAX_SPLIT_RECIPIENTS = 20;
    uint256 private constant BPS = 10_000;
    /// @dev onERC721Received(address,address,uint256,bytes): selector and magic value.
    bytes4 private constant ERC721_RECEIVED = 0x150b7a02;
    /// @dev onTRC721Received(address,address,uint256,bytes): selector and magic value.
    bytes4 private constant TRC721_RECEIVED = 0x5175f878;

    /// @dev One storage slot: everything a sale or a mint reads of a release but its split.
    struct Release {
        address artist;
        uint32 maxEditions;
        uint32 minted;
        uint16 royaltyBps;
        uint8 splitLength;
    }

    /// @dev One slot a recipient. Its raw word is `bps << 160 | recipient`, the packed form
    /// `saleTerms` hands out.
    struct Share {
        address recipient;
        uint16 bps;
    }

    /// @notice Whether safe transfers call TRC-721's onTRC721Received instead of ERC-721's hook.
    bool public immutable tronReceiver;

    address private _royaltyReceiver;
    uint96 private _releaseCount;
    string private _base;
    mapping(uint256 releaseId => Release) private _releases;
    mapping(uint256 releaseId => bytes32) private _contentHashes;
    mapping(uint256 releaseId => Share[MAX_SPLIT_RECIPIENTS]) private _splits;
    mapping(bytes32 contentHash => uint256 releaseId) private _releaseByContent;

    event RoyaltyReceiverSet(address indexed receiver);
    event ReleaseCreated(
        uint256 indexed releaseId,
        address indexed artist,
        string title,
        string artistName,
        bytes32 contentHash,
        uint256 maxEditions,
        uint256 royaltyBps
    );
    event SplitSet(uint256 indexed releaseId, address[] recipients, uint256[] sharesBps);
    event EditionMinted(
        uint256 indexed releaseId, uint256 edition, uint256 indexed tokenId, address indexed recipient
    );

    constructor(address admin_, string memory baseURI_, bool tronReceiver_)
        ERC721("DCMX Music", "DCMXM")
        Administered(admin_)
    {
        _base = baseURI_;
        tronReceiver = tronReceiver_;
    }

    // --- administration -------------------------------------------------------------------------

    /// @notice The admin names where every release's royalties go (the royalty distributor).
    function setRoyaltyReceiver(address receiver) external onlyAdmin {
        if (receiver == address(0)) revert ZeroAddress();
        _royaltyReceiver = receiver;
        emit RoyaltyReceiverSet(receiver);
    }

    // --- releases and editions --------------------------------------------------------------

    /// @notice The admin publishes a track once per content hash, with 1 to 100,000 editions, a
    /// royalty of at most 5,000 bps and a split of 1 to 20 distinct non-zero recipients whose
    /// positive shares add up to exactly 10,000 bps. Release ids count from 1.
    function createRelease(
        address artist,
        string calldata title,
        string calldata artistName,
        bytes32 contentHash,
        uint256 maxEditions,
        uint256 royaltyBps,
        address[] calldata recipients,
        uint256[] calldata sharesBps
    ) external onlyAdmin returns (uint256 releaseId) {
        if (artist == address(0)) revert ZeroAddress();
        if (contentHash == bytes32(0)) revert EmptyHash();
        if (bytes(title).length > MAX_TEXT_BYTES) revert OutOfRange();
        if (bytes(artistName).length > MAX_TEXT_BYTES) revert OutOfRange();
        if (maxEditions == 0 || maxEditions > MAX_EDITIONS) revert OutOfRange();
        if (royaltyBps > MAX_ROYALTY_BPS) revert OutOfRange();
        _checkSplit(recipients, sharesBps);
        uint256 existing = _releaseByContent[contentHash];
        if (existing != 0) revert DuplicateRelease(contentHash, existing);

        releaseId = _store(artist, contentHash, maxEditions, royaltyBps, recipients, sharesBps);
        _announce(releaseId, artist, title, artistName, contentHash, maxEditions, royaltyBps);
        emit SplitSet(releaseId, recipients, sharesBps);
    }

    /// @notice The admin mints the release's next edition to `to` (a plain mint: no receiver
    /// hook). A release never mints beyond its maximum number of editions.
    function mintEdition(uint256 releaseId, address to)
        external
        onlyAdmin
        returns (uint256 tokenId)
    {
        Release storage release = _existing(releaseId);
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        uint256 minted = release.minted;
        uint256 maxEditions = release.maxEditions;
        if (minted >= maxEditions) revert EditionsExhausted(releaseId, maxEditions);
        uint256 edition = minted + 1;
        release.minted = uint32(edition);
        tokenId = releaseId * EDITION_SPACE + edition;
        emit EditionMinted(releaseId, edition, tokenId, to);
        _mint(to, tokenId);
    }

    // --- ERC-721 ----------------------------------------------------------------------------

    /// @notice ERC-721 safe transfer: as transferFrom, then a recipient with code must accept
    /// through onERC721Received (onTRC721Received on TRON), else ReceiverRejected; a recipient
    /// that reverts with a reason refuses with that reason.
    function safeTransferFrom(address from, address to, uint256 tokenId, bytes memory data)
        public
        override
    {
        transferFrom(from, to, tokenId);
        _checkReceiver(_msgSender(), from, to, tokenId, data);
    }

    /// @notice ERC-165: ERC-165, ERC-721, ERC-721 Metadata and ERC-2981.
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC721, IERC165)
        returns (bool)
    {
        return interfaceId == type(IERC2981).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @notice ERC-2981: the royalty receiver gets floor(salePrice × royaltyBps / 10,000) of a
    /// sale of an existing token.
    function royaltyInfo(uint256 tokenId, uint256 salePrice)
        external
        view
        returns (address receiver, uint256 royaltyAmount)
    {
        _requireOwned(tokenId);
        uint256 royaltyBps = _releases[tokenId / EDITION_SPACE].royaltyBps;
        return (_royaltyReceiver, Math.mulDiv(salePrice, royaltyBps, BPS));
    }

    // --- views ------------------------------------------------------------------------------

    /// @notice Where every release's royalties go (zero until the admin sets it).
    function royaltyReceiver() external view returns (address) {
        return _royaltyReceiver;
    }

    /// @notice How many releases exist (ids 1..releaseCount).
    function releaseCount() external view returns (uint256) {
        return _releaseCount;
    }

    /// @notice Everything the contract keeps of a release; UnknownRelease if there is none.
    function getRelease(uint256 releaseId)
        external
        view
        returns (
            address artist,
            bytes32 contentHash,
            uint256 maxEditions,
            uint256 royaltyBps,
            uint256 minted,
            address[] memory recipients,
            uint256[] memory sharesBps
        )
    {
        Release storage release = _existing(releaseId);
        uint256 length = release.splitLength;
        Share[MAX_SPLIT_RECIPIENTS] storage split = _splits[releaseId];
        recipients = new address[](length);
        sharesBps = new uint256[](length);
        for (uint256 i; i < length; ++i) {
            (recipients[i], sharesBps[i]) = (split[i].recipient, split[i].bps);
        }
        return (
            release.artist,
            _contentHashes[releaseId],
            release.maxEditions,
            release.royaltyBps,
            release.minted,
            recipients,
            sharesBps
        );
    }

    /// @notice What a sale of a release's edition needs, in one call: the artist (a sale by the
    /// artist is primary), the royalty, and the split as one 32-byte word a recipient, in split
    /// order, each `bps << 160 | recipient`. UnknownRelease if there is none.
    function saleTerms(uint256 releaseId)
        external
        view
        returns (address artist, uint256 royaltyBps, bytes memory split)
    {
        Release storage release = _existing(releaseId);
        (artist, royaltyBps) = (release.artist, release.royaltyBps);
        uint256 length = release.splitLength;
        Share[MAX_SPLIT_RECIPIENTS] storage shares = _splits[releaseId];
        split = new bytes(length * 32);
        assembly ("memory-safe") {
            // A Share's slot holds exactly the word: recipient in the low 160 bits, bps above.
            let words := add(split, 0x20)
            for { let i := 0 } lt(i, length) { i := add(i, 1) } {
                mstore(add(words, shl(5, i)), sload(add(shares.slot, i)))
            }
        }
    }

    /// @notice A token's owner and whether `spender` may move it (the owner, its approved
    /// account, or an operator of the owner; never the zero address). ERC721NonexistentToken if
    /// the token does not exist.
    function authorization(uint256 tokenId, address spender)
        external
        view
        returns (address owner, bool authorized)
    {
        owner = _requireOwned(tokenId);
        authorized = _isAuthorized(owner, spender, tokenId);
    }

    // --- internals --------------------------------------------------------------------------

    function _existing(uint256 releaseId) private view returns (Release storage release) {
        release = _releases[releaseId];
        if (release.artist == address(0)) revert UnknownRelease(releaseId);
    }

    function _store(
        address artist,
        bytes32 contentHash,
        uint256 maxEditions,
        uint256 royaltyBps,
        address[] calldata recipients,
        uint256[] calldata sharesBps
    ) private returns (uint256 releaseId) {
        releaseId = ++_releaseCount;
        _releases[releaseId] = Release({
            artist: artist,
            maxEditions: uint32(maxEditions),
            minted: 0,
            royaltyBps: uint16(royaltyBps),
            splitLength: uint8(recipients.length)
        });
        _contentHashes[releaseId] = contentHash;
        Share[MAX_SPLIT_RECIPIENTS] storage split = _splits[releaseId];
        for (uint256 i; i < recipients.length; ++i) {
            split[i] = Share(recipients[i], uint16(sharesBps[i]));
        }
        _releaseByContent[contentHash] = releaseId;
    }

    /// @dev A function of its own only to keep createRelease's stack shallow.
    function _announce(
        uint256 releaseId,
        address artist,
        string calldata title,
        string calldata artistName,
        bytes32 contentHash,
        uint256 maxEditions,
        uint256 royaltyBps
    ) private {
        emit ReleaseCreated(
            releaseId, artist, title, artistName, contentHash, maxEditions, royaltyBps
        );
    }

    function _baseURI() internal view override returns (string memory) {
        return _base;
    }

    /// @dev All refusals are InvalidSplit, so the order of the checks does not matter. Each
    /// share is bounded before it is added, so the sum cannot overflow.
    function _checkSplit(address[] calldata recipients, uint256[] calldata sharesBps)
        private
        pure
    {
        uint256 length = recipients.length;
        if (length == 0 || length > MAX_SPLIT_RECIPIENTS || length != sharesBps.length) {
            revert InvalidSplit();
        }
        uint256 total;
        for (uint256 i; i < length; ++i) {
            address recipient = recipients[i];
            uint256 share = sharesBps[i];
            if (recipient == address(0) || share == 0 || share > BPS) revert InvalidSplit();
            for (uint256 j; j < i; ++j) {
                if (recipients[j] == recipient) revert InvalidSplit();
            }
            total += share;
        }
        if (total != BPS) revert InvalidSplit();
    }

    /// @dev A recipient with code must return the hook's selector in a full ABI word; a revert
    /// without data, a short or a wrong answer is ReceiverRejected, a revert with data bubbles.
    function _checkReceiver(
        address operator,
        address from,
        address to,
        uint256 tokenId,
        bytes memory data
    ) private {
        if (to.code.length == 0) return;
        bytes4 magic = tronReceiver ? TRC721_RECEIVED : ERC721_RECEIVED;
        (bool ok, bytes memory answer) =
            to.call(abi.encodeWithSelector(magic, operator, from, tokenId, data));
        if (!ok) {
            if (answer.length == 0) revert ReceiverRejected(to);
            assembly ("memory-safe") {
                revert(add(answer, 0x20), mload(answer))
            }
        }
        if (answer.length < 32 || bytes32(answer) != bytes32(magic)) revert ReceiverRejected(to);
    }
}
