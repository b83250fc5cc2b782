// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Administered, EmptyHash, OutOfRange, ZeroAddress} from "./Administered.sol";

/// @title DCMX compliance registry
/// @notice An immutable, privacy-safe record of legal acceptances and deletion requests. The
/// admin registers each version of each document type by its hash, once. A user accepts only a
/// registered version, by its exact hash, once: sent by the user, or relayed by anyone with the
/// user's EIP-712 signature over it, a nonce and an expiry. A user has at most one open
/// deletion request; the admin marks it processed, after which the user may ask again. Nothing
/// personal is kept: addresses, hashes, numbers and times only.
/// @dev Mirrors dcmx_core.model.compliance.ComplianceRegistry and dcmx_core.model.signing: same
/// refusals in the same order, the same events, the same typed-data digests.
contract ComplianceRegistry is Administered, EIP712 {
    enum DocumentType {
        TERMS_OF_SERVICE,
        PRIVACY_POLICY,
        COOKIE_POLICY,
        NFT_PURCHASE_AGREEMENT,
        RISK_DISCLOSURE,
        ARTIST_AGREEMENT
    }

    enum Regime {
        GDPR,
        CCPA
    }

    /// @dev Who asked, under which law and when (one slot); when it was processed (0 while open).
    struct DeletionRequest {
        address user;
        Regime regime;
        uint64 requestedAt;
        uint64 processedAt;
    }

    /// @notice The highest document version (versions are signed as uint32).
    uint256 public constant MAX_VERSION = type(uint32).max;
    bytes32 private constant ACCEPTANCE_TYPEHASH = keccak256(
        "Acceptance(address user,uint8 docType,uint32 version,bytes32 documentHash,"
        "uint256 nonce,uint256 expiry)"
    );
    bytes32 private constant DELETION_TYPEHASH =
        keccak256("DeletionRequest(address user,uint8 regime,uint256 nonce,uint256 expiry)");

    /// @notice The nonce the user's next signed request must carry.
    mapping(address user => uint256) public nonces;
    /// @notice The id of the user's open deletion request, 0 when there is none.
    mapping(address user => uint256 requestId) public openRequestOf;
    /// @notice How many deletion requests have been made; ids run from 1 to this.
    uint256 public deletionCount;
    mapping(DocumentType docType => mapping(uint256 version => bytes32)) private _documents;
    mapping(address user => mapping(DocumentType docType => mapping(uint256 version => uint64)))
        private _acceptedAt;
    mapping(uint256 requestId => DeletionRequest) private _requests;

    event DocumentRegistered(
        DocumentType indexed docType, uint256 indexed version, bytes32 documentHash
    );
    event DocumentAccepted(
        address indexed user,
        DocumentType indexed docType,
        uint256 indexed version,
        bytes32 documentHash,
        uint256 acceptedAt
    );
    event DeletionRequested(
        uint256 indexed requestId, address indexed user, Regime regime, uint256 requestedAt
    );
    event DeletionProcessed(uint256 indexed requestId, address indexed user, uint256 processedAt);

    error UnknownDocument(DocumentType docType, uint256 version);
    error DocumentAlreadyRegistered(DocumentType docType, uint256 version);
    error DocumentHashMismatch(DocumentType docType, uint256 version);
    error AlreadyAccepted(address user, DocumentType docType, uint256 version);
    error InvalidSignature(address user);
    error SignatureExpired(uint256 expiry, uint256 now);
    error WrongNonce(address user, uint256 expected, uint256 given);
    error DeletionAlreadyRequested(address user);
    error UnknownDeletionRequest(uint256 requestId);
    error DeletionAlreadyProcessed(uint256 requestId);

    constructor(address admin_) Administered(admin_) EIP712("DCMX Compliance", "1") {}

    // --- documents and acceptances ----------------------------------------------------------

    /// @notice The admin registers version `version` (1 to 2^32 - 1) of a document type by its
    /// hash, once. Refused for a zero hash and for a version registered already.
    function registerDocument(DocumentType docType, uint256 version, bytes32 documentHash_)
        external
        onlyAdmin
    {
        if (version == 0 || version > MAX_VERSION) revert OutOfRange();
        if (documentHash_ == bytes32(0)) revert EmptyHash();
        mapping(uint256 => bytes32) storage versions = _documents[docType];
        if (versions[version] != bytes32(0)) revert DocumentAlreadyRegistered(docType, version);
        versions[version] = documentHash_;
        emit DocumentRegistered(docType, version, documentHash_);
    }

    /// @notice The sender accepts a registered document version, naming its exact hash, once.
    function acceptDocument(DocumentType docType, uint256 version, bytes32 documentHash_)
        external
    {
        _accept(msg.sender, docType, version, documentHash_);
    }

    /// @notice Anyone submits `user`'s acceptance, proven by the user's EIP-712 signature over
    /// Acceptance(user, docType, version, documentHash, nonce, expiry). Refused, in this order,
    /// for a version above 2^32 - 1, the zero user, an expiry before the block time, a nonce
    /// other than the user's next, and a signature that is not the user's (65 bytes, low s,
    /// v 27 or 28); then as acceptDocument. The user's nonce then moves on by one.
    function relayAcceptance(
        address user,
        DocumentType docType,
        uint256 version,
        bytes32 documentHash_,
        uint256 nonce,
        uint256 expiry,
        bytes calldata signature
    ) external {
        if (version > MAX_VERSION) revert OutOfRange();
        bytes32 structHash = keccak256(
            abi.encode(ACCEPTANCE_TYPEHASH, user, docType, version, documentHash_, nonce, expiry)
        );
        _checkSigned(user, _hashTypedDataV4(structHash), nonce, expiry, signature);
        _accept(user, docType, version, documentHash_);
        nonces[user] = nonce + 1;
    }

    // --- deletion requests ------------------------------------------------------------------

    /// @notice The sender asks for their personal data to be deleted under `regime`. Refused
    /// while the sender has an open request.
    function requestDeletion(Regime regime) external {
        _requestDeletion(msg.sender, regime);
    }

    /// @notice Anyone submits `user`'s deletion request, proven by the user's EIP-712
    /// signature over DeletionRequest(user, regime, nonce, expiry). Refused, in this order, for
    /// the zero user, an expiry before the block time, a nonce other than the user's next and a
    /// signature that is not the user's; then as requestDeletion. The nonce then moves on by one.
    function relayDeletionRequest(
        address user,
        Regime regime,
        uint256 nonce,
        uint256 expiry,
        bytes calldata signature
    ) external {
        bytes32 structHash = keccak256(abi.encode(DELETION_TYPEHASH, user, regime, nonce, expiry));
        _checkSigned(user, _hashTypedDataV4(structHash), nonce, expiry, signature);
        _requestDeletion(user, regime);
        nonces[user] = nonce + 1;
    }

    /// @notice The admin records that a deletion request has been carried out off chain; the
    /// user may then ask again. Refused for an unknown request and one processed already.
    function processDeletion(uint256 requestId) external onlyAdmin {
        DeletionRequest storage request = _requests[requestId];
        address user = request.user;
        if (user == address(0)) revert UnknownDeletionRequest(requestId);
        // Only the user's open request is unprocessed: a processed one is no longer open, and a
        // later request of the same user has a new id.
        if (openRequestOf[user] != requestId) revert DeletionAlreadyProcessed(requestId);
        request.processedAt = uint64(block.timestamp);
        delete openRequestOf[user];
        emit DeletionProcessed(requestId, user, block.timestamp);
    }

    // --- views ------------------------------------------------------------------------------

    /// @notice The registered hash of a document version, zero when it is not registered.
    function documentHash(DocumentType docType, uint256 version) external view returns (bytes32) {
        return _documents[docType][version];
    }

    /// @notice When `user` accepted a document version (block time), 0 when they have not.
    function acceptedAt(address user, DocumentType docType, uint256 version)
        external
        view
        returns (uint256)
    {
        return _acceptedAt[user][docType][version];
    }

    /// @notice A deletion request by id (processedAt 0 while open); refused
    /// (UnknownDeletionRequest) when there is none.
    function deletionRequest(uint256 requestId)
        external
        view
        returns (address user, Regime regime, uint256 requestedAt, uint256 processedAt)
    {
        DeletionRequest storage request = _requests[requestId];
        if (request.user == address(0)) revert UnknownDeletionRequest(requestId);
        return (request.user, request.regime, request.requestedAt, request.processedAt);
    }

    /// @notice The EIP-712 domain separator signatures are made over on this chain.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // --- rules shared by the direct and the relayed paths -----------------------------------

    function _accept(address user, DocumentType docType, uint256 version, bytes32 documentHash_)
        private
    {
        bytes32 registered = _documents[docType][version];
        // A registered hash is never zero (registerDocument refuses it): zero means unknown.
        if (registered == bytes32(0)) revert UnknownDocument(docType, version);
        if (registered != documentHash_) revert DocumentHashMismatch(docType, version);
        mapping(uint256 => uint64) storage accepted = _acceptedAt[user][docType];
        if (accepted[version] != 0) revert AlreadyAccepted(user, docType, version);
        accepted[version] = uint64(block.timestamp);
        emit DocumentAccepted(user, docType, version, documentHash_, block.timestamp);
    }

    function _requestDeletion(address user, Regime regime) private {
        if (openRequestOf[user] != 0) revert DeletionAlreadyRequested(user);
        uint256 requestId = ++deletionCount;
        _requests[requestId] = DeletionRequest({
            user: user,
            regime: regime,
            requestedAt: uint64(block.timestamp),
            processedAt: 0
        });
        openRequestOf[user] = requestId;
        emit DeletionRequested(requestId, user, regime, block.timestamp);
    }

    /// @dev The checks of a relayed request, in the domain's order. tryRecover gives the zero
    /// address for anything malformed (length, v, high s, no point), never equal to a non-zero
    /// user.
    function _checkSigned(
        address user,
        bytes32 digest,
        uint256 nonce,
        uint256 expiry,
        bytes calldata signature
    ) private view {
        if (user == address(0)) revert ZeroAddress();
        if (expiry < block.timestamp) revert SignatureExpired(expiry, block.timestamp);
        uint256 expected = nonces[user];
        if (nonce != expected) revert WrongNonce(user, expected, nonce);
        (address signer,,) = ECDSA.tryRecoverCalldata(digest, signature);
        if (signer != user) revert InvalidSignature(user);
    }
}
