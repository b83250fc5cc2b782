// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Administered, OutOfRange, ZeroAddress} from "./Administered.sol";
import {MusicNFT} from "./MusicNFT.sol";

/// @dev Refusals of the distributor; each name is the matching class in dcmx_core.exceptions.
error NotOwnerNorApproved(address account, uint256 tokenId);
error UnsupportedCurrency(address currency);
error NotListed(uint256 tokenId);
error BuyerIsSeller(address buyer, uint256 tokenId);
error WrongCurrency(address expected, address given);
error WrongPayment(uint256 expected, uint256 paid);
error PaymentNotReceived(uint256 expected, uint256 received);
error NothingToWithdraw(address account, address currency);
error PaymentFailed(address recipient);

/// @title DCMX royalty distributor: listings, sales, royalties paid in, and pull payouts
/// @notice Only money that has actually arrived is ever credited, each payment once: a sale is
/// settled in the transaction that takes the buyer's payment and moves the edition; royalties
/// paid in from outside are credited for the amount that reached the distributor. Payouts
/// accrue per recipient and currency and only their owner can withdraw them.
contract RoyaltyDistributor is Administered, ReentrancyGuardTransient {
    /// @dev The currency "address" of the chain's own coin (ETH, TRX).
    address private constant NATIVE = address(0);
    uint256 private constant EDITION_SPACE = 1_000_000;
    uint256 private constant BPS = 10_000;
    uint256 private constant MAX_PLATFORM_FEE_BPS = 1_000;
    uint256 private constant DEFAULT_PLATFORM_FEE_BPS = 250;
    /// @dev A listing price that does not fit in 96 bits is kept in `_largePrices`.
    uint96 private constant LARGE_PRICE = type(uint96).max;
    uint8 private constant PLATFORM_FEE = 0;
    uint8 private constant SPLIT_SHARE = 1;
    uint8 private constant SELLER_PROCEEDS = 2;

    /// @dev One slot: what every sale reads and writes besides its listing and payouts.
    struct Config {
        address treasury;
        uint16 feeBps;
        uint80 settlements;
    }

    /// @dev Two slots; a price of LARGE_PRICE or more lives in `_largePrices`.
    struct Listing {
        address seller;
        uint96 price;
        address currency;
    }

    /// @notice The music NFT whose editions are sold and whose releases' splits are paid.
    MusicNFT public immutable nft;

    Config private _config;
    mapping(uint256 tokenId => Listing) private _listings;
    mapping(uint256 tokenId => uint256) private _largePrices;
    /// @dev By currency first, so that a sale finds its currency's payouts once.
    mapping(address currency => mapping(address recipient => uint256)) private _payouts;

    event PlatformFeeSet(uint256 feeBps, address indexed treasury);
    event EditionListed(
        uint256 indexed tokenId, address indexed seller, address currency, uint256 price
    );
    event ListingCancelled(uint256 indexed tokenId, address indexed seller);
    event EditionSold(
        uint256 indexed settlementId,
        uint256 indexed releaseId,
        uint256 indexed tokenId,
        address seller,
        address buyer,
        address currency,
        uint256 price,
        bool primary
    );
    event RoyaltyReceived(
        uint256 indexed settlementId,
        uint256 indexed releaseId,
        address indexed payer,
        address currency,
        uint256 amount
    );
    event PayoutCredited(
        uint256 indexed settlementId,
        address indexed recipient,
        address indexed currency,
        uint256 amount,
        uint8 reason
    );
    event PayoutWithdrawn(address indexed recipient, address indexed currency, uint256 amount);

    /// @dev The platform fee starts at 250 bps, paid to the deployer's admin.
    constructor(address admin_, address nft_) Administered(admin_) {
        if (nft_ == address(0)) revert ZeroAddress();
        nft = MusicNFT(nft_);
        _config = Config(admin_, uint16(DEFAULT_PLATFORM_FEE_BPS), 0);
    }

    // --- administration -----------------------------------------------------------------------

    /// @notice The admin sets the fee on sales (at most 1,000 bps) and the treasury it goes to.
    function setPlatformFee(uint256 feeBps, address treasury_) external onlyAdmin {
        if (feeBps > MAX_PLATFORM_FEE_BPS) revert OutOfRange();
        if (treasury_ == address(0)) revert ZeroAddress();
        (_config.treasury, _config.feeBps) = (treasury_, uint16(feeBps));
        emit PlatformFeeSet(feeBps, treasury_);
    }

    // --- listings ---------------------------------------------------------------------------

    /// @notice The owner offers an edition for a positive price in the native coin (address 0)
    /// or a token; the distributor must be approved to move it. Listing again changes the offer.
    function listEdition(uint256 tokenId, address currency, uint256 price) external {
        (address owner, bool authorized) = nft.authorization(tokenId, address(this));
        if (owner != msg.sender) revert NotOwnerNorApproved(msg.sender, tokenId);
        if (!authorized) revert NotOwnerNorApproved(address(this), tokenId);
        if (!_supports(currency)) revert UnsupportedCurrency(currency);
        if (price == 0) revert OutOfRange();
        Listing storage stored = _listings[tokenId];
        bool wasLarge = stored.price == LARGE_PRICE;
        if (price >= LARGE_PRICE) {
            _largePrices[tokenId] = price;
            (stored.seller, stored.price, stored.currency) = (msg.sender, LARGE_PRICE, currency);
        } else {
            if (wasLarge) delete _largePrices[tokenId];
            (stored.seller, stored.price, stored.currency) = (msg.sender, uint96(price), currency);
        }
        emit EditionListed(tokenId, msg.sender, currency, price);
    }

    /// @notice The seller withdraws their listing.
    function cancelListing(uint256 tokenId) external {
        address seller = _listings[tokenId].seller;
        if (seller == address(0)) revert NotListed(tokenId);
        if (seller != msg.sender) revert NotOwnerNorApproved(msg.sender, tokenId);
        _deleteListing(tokenId);
        emit ListingCancelled(tokenId, msg.sender);
    }

    // --- sales and royalties ----------------------------------------------------------------

    /// @notice Buy a listed edition for exactly its listed currency and price: in the native
    /// coin the call's value is the price, in a token the distributor pulls the price (which must
    /// arrive in full) and the value is 0. The seller may not buy their own listing: a sale
    /// changes hands, so that sales figures stay honest. The edition moves to the buyer and the
    /// price is divided at once: the platform fee to the treasury; on a primary sale (the seller
    /// is the artist) the rest to the split, on a resale the royalty to the split and the rest to
    /// the seller. Each split part is floor(amount × bps / 10,000), the remainder to the first.
    function buyEdition(uint256 tokenId, address currency, uint256 price)
        external
        payable
        nonReentrant
    {
        (address seller, address listedCurrency, uint256 listedPrice) = _listing(tokenId);
        if (seller == address(0)) revert NotListed(tokenId);
        (address owner, bool authorized) = nft.authorization(tokenId, address(this));
        if (owner != seller) revert NotListed(tokenId);
        if (msg.sender == seller) revert BuyerIsSeller(msg.sender, tokenId);
        if (currency != listedCurrency) revert WrongCurrency(listedCurrency, currency);
        if (price != listedPrice) revert WrongPayment(listedPrice, price);
        uint256 expectedValue = currency == NATIVE ? price : 0;
        if (msg.value != expectedValue) revert WrongPayment(expectedValue, msg.value);
        if (!authorized) revert NotOwnerNorApproved(address(this), tokenId);

        _deleteListing(tokenId);
        if (currency != NATIVE) {
            uint256 received = _pull(currency, price);
            if (received != price) revert PaymentNotReceived(price, received);
        }
        nft.transferFrom(seller, msg.sender, tokenId);
        _settleSale(tokenId, seller, currency, price);
    }

    /// @notice Royalties for a release paid in from outside DCMX, shared by its split: in the
    /// native coin the call's value is the amount; in a token the distributor pulls the amount
    /// and credits what arrived (refused if nothing did).
    function payRoyalty(uint256 releaseId, address currency, uint256 amount)
        external
        payable
        nonReentrant
    {
        (,, bytes memory split) = nft.saleTerms(releaseId);
        if (!_supports(currency)) revert UnsupportedCurrency(currency);
        if (amount == 0) revert OutOfRange();
        uint256 expectedValue = currency == NATIVE ? amount : 0;
        if (msg.value != expectedValue) revert WrongPayment(expectedValue, msg.value);
        uint256 received = amount;
        if (currency != NATIVE) {
            received = _pull(currency, amount);
            if (received == 0) revert PaymentNotReceived(amount, 0);
        }
        uint256 settlementId = _nextSettlement();
        emit RoyaltyReceived(settlementId, releaseId, msg.sender, currency, received);
        _creditSplit(settlementId, split, currency, received);
    }

    /// @notice The sender takes out everything they are owed in `currency`.
    function withdraw(address currency) external nonReentrant {
        uint256 amount = _payouts[currency][msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender, currency);
        delete _payouts[currency][msg.sender];
        if (currency == NATIVE) {
            (bool ok,) = msg.sender.call{value: amount}("");
            if (!ok) revert PaymentFailed(msg.sender);
        } else {
            // The token's answer is ignored (see _pull); what left the distributor is the truth.
            uint256 before = _balance(currency);
            _callToken(currency, abi.encodeCall(IERC20.transfer, (msg.sender, amount)));
            uint256 afterwards = _balance(currency);
            if (afterwards > before || before - afterwards != amount) revert PaymentFailed(msg.sender);
        }
        emit PayoutWithdrawn(msg.sender, currency, amount);
    }

    // --- views ------------------------------------------------------------------------------

    /// @notice The listing of a token: its seller, currency and price (zeros when none).
    function listing(uint256 tokenId)
        external
        view
        returns (address seller, address currency, uint256 price)
    {
        return _listing(tokenId);
    }

    /// @notice What `recipient` can withdraw in `currency` (address 0: the native coin).
    function payoutOf(address recipient, address currency) external view returns (uint256) {
        return _payouts[currency][recipient];
    }

    /// @notice The platform fee on sales, in basis points.
    function platformFeeBps() external view returns (uint256) {
        return _config.feeBps;
    }

    /// @notice Where the platform fee goes.
    function treasury() external view returns (address) {
        return _config.treasury;
    }

    /// @notice How many settlements (sales and royalties paid in) there have been; the last id.
    function settlementCount() external view returns (uint256) {
        return _config.settlements;
    }

    // --- internals --------------------------------------------------------------------------

    function _settleSale(uint256 tokenId, address seller, address currency, uint256 price)
        private
    {
        (address artist, uint256 royaltyBps, bytes memory split) =
            nft.saleTerms(tokenId / EDITION_SPACE);
        bool primary = seller == artist;
        uint256 settlementId = _announceSale(tokenId, seller, currency, price, primary);
        uint256 afterFee = price - _creditFee(settlementId, currency, price);
        uint256 royalty = primary ? afterFee : _bpsOf(price, royaltyBps);
        _creditSplit(settlementId, split, currency, royalty);
        _credit(
            _payouts[currency], settlementId, seller, currency, afterFee - royalty, SELLER_PROCEEDS
        );
    }

    function _creditFee(uint256 settlementId, address currency, uint256 price)
        private
        returns (uint256 fee)
    {
        (address treasury_, uint256 feeBps) = (_config.treasury, _config.feeBps);
        fee = _bpsOf(price, feeBps);
        _credit(_payouts[currency], settlementId, treasury_, currency, fee, PLATFORM_FEE);
    }

    function _announceSale(
        uint256 tokenId,
        address seller,
        address currency,
        uint256 price,
        bool primary
    ) private returns (uint256 settlementId) {
        settlementId = _nextSettlement();
        emit EditionSold(
            settlementId, tokenId / EDITION_SPACE, tokenId, seller, msg.sender, currency, price, primary
        );
    }

    /// @dev Each recipient gets floor(amount × bps / 10,000) and the first also the remainder,
    /// so that the parts add up to `amount`: the first's part is what the others leave. A zero
    /// part is skipped, as `_credit` skips it. `split` is the NFT's: one word a recipient,
    /// `bps << 160 | recipient`. Every sale runs this once a recipient, hence assembly: what is
    /// left of the cost is the recipient's share slot (read by the NFT), its payout slot and
    /// its event.
    function _creditSplit(
        uint256 settlementId,
        bytes memory split,
        address currency,
        uint256 amount
    ) private {
        mapping(address => uint256) storage owed = _payouts[currency];
        (bytes32 credited, uint256 reason) = (PayoutCredited.selector, SPLIT_SHARE);
        assembly ("memory-safe") {
            let words := add(split, 0x20)
            let end := add(words, mload(split))
            // The parts go to scratch memory past the free memory pointer, one word a share;
            // the event's data (part, reason) to the two words before them.
            let data := mload(0x40)
            let parts := add(data, 0x40)
            // floor(amount × bps / 10,000) exactly and without overflow, as _bpsOf.
            let q := div(amount, 10000)
            let r := mod(amount, 10000)
            let first := amount
            for { let at := add(words, 0x20) } lt(at, end) { at := add(at, 0x20) } {
                let bps := shr(160, mload(at))
                let part := add(mul(q, bps), div(mul(r, bps), 10000))
                mstore(add(parts, sub(at, words)), part)
                first := sub(first, part)
            }
            mstore(parts, first)
            mstore(add(data, 0x20), reason)
            mstore(0x20, owed.slot)
            for { let at := words } lt(at, end) { at := add(at, 0x20) } {
                let part := mload(add(parts, sub(at, words)))
                // As _credit: add to the recipient's payout (reverting on overflow, as checked
                // arithmetic does) and emit PayoutCredited; nothing at all for zero.
                if part {
                    let recipient := and(mload(at), 0xffffffffffffffffffffffffffffffffffffffff)
                    mstore(0x00, recipient)
                    let key := keccak256(0x00, 0x40)
                    let total := add(sload(key), part)
                    if lt(total, part) {
                        mstore(0x00, 0x4e487b71) // Panic(0x11)
                        mstore(0x20, 0x11)
                        revert(0x1c, 0x24)
                    }
                    sstore(key, total)
                    mstore(data, part)
                    log4(data, 0x40, credited, settlementId, recipient, currency)
                }
            }
        }
    }

    /// @dev Adds `amount` to what `recipient` is owed (in the currency whose payouts are
    /// `owed`) and says so; credits nothing and says nothing for a zero amount.
    function _credit(
        mapping(address => uint256) storage owed,
        uint256 settlementId,
        address recipient,
        address currency,
        uint256 amount,
        uint8 reason
    ) private {
        if (amount == 0) return;
        owed[recipient] += amount;
        emit PayoutCredited(settlementId, recipient, currency, amount, reason);
    }

    function _nextSettlement() private returns (uint256 settlementId) {
        settlementId = _config.settlements + 1;
        _config.settlements = uint80(settlementId);
    }

    /// @dev floor(amount × bps / 10,000), exact for every uint256 amount and bps <= 10,000
    /// without a 512-bit product: with amount = q × 10,000 + r, amount × bps / 10,000 is
    /// q × bps + r × bps / 10,000, and q × bps is whole (and at most amount), r × bps < 10^8.
    function _bpsOf(uint256 amount, uint256 bps) private pure returns (uint256) {
        unchecked {
            return (amount / BPS) * bps + (amount % BPS) * bps / BPS;
        }
    }

    function _listing(uint256 tokenId)
        private
        view
        returns (address seller, address currency, uint256 price)
    {
        Listing storage stored = _listings[tokenId];
        (seller, currency, price) = (stored.seller, stored.currency, stored.price);
        if (price == LARGE_PRICE) price = _largePrices[tokenId];
    }

    function _deleteListing(uint256 tokenId) private {
        if (_listings[tokenId].price == LARGE_PRICE) delete _largePrices[tokenId];
        delete _listings[tokenId];
    }

    /// @dev The native coin, or a contract (not the music NFT, whose ERC-721 balanceOf has the
    /// ERC-20 selector) that answers balanceOf(this) with at least a word.
    function _supports(address currency) private view returns (bool) {
        if (currency == NATIVE) return true;
        if (currency == address(nft) || currency.code.length == 0) return false;
        (bool ok, bytes memory answer) =
            currency.staticcall(abi.encodeCall(IERC20.balanceOf, (address(this))));
        return ok && answer.length >= 32;
    }

    /// @dev Pulls `amount` of a token from the sender and returns what arrived. The token's
    /// return value is ignored (TRON's USDT returns false on success; some tokens return
    /// nothing): the balance change is the truth.
    function _pull(address currency, uint256 amount) private returns (uint256 received) {
        uint256 before = _balance(currency);
        _callToken(
            currency, abi.encodeCall(IERC20.transferFrom, (msg.sender, address(this), amount))
        );
        uint256 afterwards = _balance(currency);
        return afterwards > before ? afterwards - before : 0;
    }

    function _balance(address currency) private view returns (uint256) {
        return IERC20(currency).balanceOf(address(this));
    }

    /// @dev Calls a token, bubbling its revert data when it reverts.
    function _callToken(address currency, bytes memory data) private {
        (bool ok, bytes memory answer) = currency.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(answer, 0x20), mload(answer))
            }
        }
    }
}
