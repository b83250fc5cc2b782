// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Administered, EmptyHash, OutOfRange, ZeroAddress} from "./Administered.sol";

/// @dev What the vault needs of the DCMX token: to mint through its minter role.
interface IMintableToken {
    function mint(address to, uint256 amount) external;
}

/// @title DCMX reward vault
/// @notice Pays listeners, sharers, bandwidth nodes, voters and referrers from five reward pools.
/// Each pool has an allocation the admin raises, what it has paid (distributed), what verified
/// claims have set aside (reserved), and a per-user daily limit (0 until configured, so nobody
/// can claim from an unconfigured pool). A user claims with a proof hash no claim has used; what
/// a user claims from a pool on one UTC day of the block time never exceeds the daily limit, and
/// a rejected claim gives its amount back to that day. A verifier approves a pending claim,
/// reserving its amount (never beyond the allocation), or rejects it for good. A verified claim
/// is paid once, to its user, by minting DCMX tokens.
/// @dev Mirrors dcmx_core.model.rewards.RewardVault: same refusals (error names are the domain
/// error class names, checked in the same order) and the same events in the same order.
contract RewardVault is Administered {
    enum Pool {
        SHARING,
        LISTENING,
        BANDWIDTH,
        VOTING,
        REFERRAL
    }

    enum ClaimStatus {
        PENDING,
        VERIFIED,
        REJECTED,
        PAID
    }

    struct PoolState {
        uint256 allocation;
        uint256 distributed;
        uint256 reserved;
        uint256 dailyLimit;
    }

    /// @dev One slot for who, which pool, the status and the day; one each for amount and proof.
    struct Claim {
        address user;
        Pool pool;
        ClaimStatus status;
        uint64 day;
        uint256 amount;
        bytes32 proofHash;
    }

    uint256 private constant SECONDS_PER_DAY = 86_400;

    /// @notice The DCMX token the vault mints rewards through.
    IMintableToken public immutable token;
    /// @notice How many claims have been submitted; claim ids run from 1 to this.
    uint256 public claimCount;
    /// @notice Whether `account` may verify claims.
    mapping(address account => bool) public isVerifier;
    /// @notice Whether a claim has been submitted with `proofHash` (a proof backs one claim ever).
    mapping(bytes32 proofHash => bool) public proofUsed;
    /// @notice What a user has claimed (and not had rejected) from a pool on a UTC day.
    mapping(address user => mapping(Pool pool => mapping(uint256 day => uint256 amount)))
        public claimedOnDay;
    mapping(Pool pool => PoolState) private _pools;
    mapping(uint256 claimId => Claim) private _claims;

    event VerifierAdded(address indexed account);
    event VerifierRemoved(address indexed account);
    event PoolConfigured(Pool indexed pool, uint256 dailyLimit);
    event PoolAllocated(Pool indexed pool, uint256 amount, uint256 allocation);
    event ClaimSubmitted(
        uint256 indexed claimId,
        address indexed user,
        Pool indexed pool,
        uint256 amount,
        bytes32 proofHash,
        uint256 day
    );
    event ClaimVerified(uint256 indexed claimId, address indexed verifier);
    event ClaimRejected(uint256 indexed claimId, address indexed verifier);
    event ClaimPaid(uint256 indexed claimId, address indexed user, uint256 amount);

    error NotVerifier(address account);
    error AlreadyVerifier(address account);
    error UnknownVerifier(address account);
    error UnknownClaim(uint256 claimId);
    error ProofAlreadyUsed(bytes32 proofHash);
    error ClaimNotPending(uint256 claimId, ClaimStatus status);
    error ClaimNotVerified(uint256 claimId, ClaimStatus status);
    error PoolExhausted(Pool pool, uint256 requested, uint256 available);
    error DailyLimitExceeded(Pool pool, uint256 requested, uint256 available);

    constructor(address admin_, address token_) Administered(admin_) {
        if (token_ == address(0)) revert ZeroAddress();
        token = IMintableToken(token_);
    }

    // --- administration ---------------------------------------------------------------------

    /// @notice The admin lets `account` verify claims. Refused for the zero address and for an
    /// account that is a verifier already.
    function addVerifier(address account) external onlyAdmin {
        if (account == address(0)) revert ZeroAddress();
        if (isVerifier[account]) revert AlreadyVerifier(account);
        isVerifier[account] = true;
        emit VerifierAdded(account);
    }

    /// @notice The admin withdraws a verifier's right. Refused for an account that is not one.
    function removeVerifier(address account) external onlyAdmin {
        if (!isVerifier[account]) revert UnknownVerifier(account);
        isVerifier[account] = false;
        emit VerifierRemoved(account);
    }

    /// @notice The admin sets how much one user may claim from `pool_` in one UTC day.
    function configurePool(Pool pool_, uint256 dailyLimit) external onlyAdmin {
        _pools[pool_].dailyLimit = dailyLimit;
        emit PoolConfigured(pool_, dailyLimit);
    }

    /// @notice The admin raises what `pool_` may pay out in total by `amount`. Refused
    /// (OutOfRange) when the allocation would exceed 2^256 - 1.
    function allocatePool(Pool pool_, uint256 amount) external onlyAdmin {
        PoolState storage state = _pools[pool_];
        uint256 allocation = state.allocation;
        if (amount > type(uint256).max - allocation) revert OutOfRange();
        allocation += amount;
        state.allocation = allocation;
        emit PoolAllocated(pool_, amount, allocation);
    }

    // --- claims -----------------------------------------------------------------------------

    /// @notice The sender claims `amount` (more than 0) from `pool_` for the contribution
    /// `proofHash` proves. Refused for a zero proof hash, a proof another claim has used, and
    /// an amount beyond what the daily limit leaves the sender in that pool today.
    /// @return claimId The new claim's id (ids run from 1).
    function submitClaim(Pool pool_, uint256 amount, bytes32 proofHash)
        external
        returns (uint256 claimId)
    {
        if (amount == 0) revert OutOfRange();
        if (proofHash == bytes32(0)) revert EmptyHash();
        if (proofUsed[proofHash]) revert ProofAlreadyUsed(proofHash);
        uint256 day = block.timestamp / SECONDS_PER_DAY;
        uint256 limit = _pools[pool_].dailyLimit;
        uint256 claimed = claimedOnDay[msg.sender][pool_][day];
        // The admin may lower a limit below what is claimed already: then nothing is left.
        uint256 available = claimed < limit ? limit - claimed : 0;
        if (amount > available) revert DailyLimitExceeded(pool_, amount, available);
        claimId = ++claimCount;
        // A day number fits 64 bits for any block time below 2^64 days' worth of seconds.
        _claims[claimId] = Claim({
            user: msg.sender,
            pool: pool_,
            status: ClaimStatus.PENDING,
            day: uint64(day),
            amount: amount,
            proofHash: proofHash
        });
        proofUsed[proofHash] = true;
        claimedOnDay[msg.sender][pool_][day] = claimed + amount;
        emit ClaimSubmitted(claimId, msg.sender, pool_, amount, proofHash, day);
    }

    /// @notice A verifier approves a pending claim, reserving its amount from its pool, or
    /// rejects it for good, giving the amount back to the user's daily limit of the claim's day.
    /// Approval is refused (PoolExhausted) when the pool's allocation, less what it has paid
    /// and reserved, is smaller than the amount.
    function verifyClaim(uint256 claimId, bool approved) external {
        if (!isVerifier[msg.sender]) revert NotVerifier(msg.sender);
        Claim storage stored = _existing(claimId);
        ClaimStatus status = stored.status;
        if (status != ClaimStatus.PENDING) revert ClaimNotPending(claimId, status);
        Pool pool_ = stored.pool;
        uint256 amount = stored.amount;
        if (!approved) {
            stored.status = ClaimStatus.REJECTED;
            claimedOnDay[stored.user][pool_][stored.day] -= amount;
            emit ClaimRejected(claimId, msg.sender);
            return;
        }
        PoolState storage state = _pools[pool_];
        uint256 reserved = state.reserved;
        // allocation >= distributed + reserved always holds: reservations are checked here.
        uint256 available = state.allocation - state.distributed - reserved;
        if (amount > available) revert PoolExhausted(pool_, amount, available);
        state.reserved = reserved + amount;
        stored.status = ClaimStatus.VERIFIED;
        emit ClaimVerified(claimId, msg.sender);
    }

    /// @notice Pays a verified claim to its user by minting; anyone may trigger it, once. The
    /// token's refusals (NotMinter, MintingIsFinished, SupplyCapExceeded) come through as they are.
    /// @dev The claim is marked paid before the token is called (checks, effects, interactions),
    /// so a re-entering token finds it paid already.
    function payClaim(uint256 claimId) external {
        Claim storage stored = _existing(claimId);
        ClaimStatus status = stored.status;
        if (status != ClaimStatus.VERIFIED) revert ClaimNotVerified(claimId, status);
        address user = stored.user;
        uint256 amount = stored.amount;
        PoolState storage state = _pools[stored.pool];
        state.reserved -= amount;
        state.distributed += amount;
        stored.status = ClaimStatus.PAID;
        token.mint(user, amount);
        emit ClaimPaid(claimId, user, amount);
    }

    // --- views ------------------------------------------------------------------------------

    /// @notice A pool's allocation, what it has paid, what verified claims reserve, and its
    /// per-user daily limit.
    function pool(Pool pool_)
        external
        view
        returns (uint256 allocation, uint256 distributed, uint256 reserved, uint256 dailyLimit)
    {
        PoolState storage state = _pools[pool_];
        return (state.allocation, state.distributed, state.reserved, state.dailyLimit);
    }

    /// @notice A claim by id; refused (UnknownClaim) when there is none.
    function claim(uint256 claimId)
        external
        view
        returns (
            address user,
            Pool pool_,
            uint256 amount,
            bytes32 proofHash,
            uint256 day,
            ClaimStatus status
        )
    {
        Claim storage stored = _existing(claimId);
        return (
            stored.user,
            stored.pool,
            stored.amount,
            stored.proofHash,
            stored.day,
            stored.status
        );
    }

    /// @dev A claim's user is its submitter, never the zero address: a zero user means no claim.
    function _existing(uint256 claimId) private view returns (Claim storage stored) {
        stored = _claims[claimId];
        if (stored.user == address(0)) revert UnknownClaim(claimId);
    }
}
