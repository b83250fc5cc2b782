"""The ABI of the music NFT and the royalty distributor as the adapters are written against it:
every function, event (with its indexed fields) and custom error, by its exact types; and its
agreement with the domain: events named and ordered as the domain events' fields, errors named
as the domain error classes."""

from __future__ import annotations

from web3.contract import Contract

from tests.evm import mirror

ADMINISTERED = {
    "admin()->(address)",
    "pendingAdmin()->(address)",
    "proposeAdmin(address)->()",
    "acceptAdmin()->()",
}
ADMIN_EVENTS = {"AdminProposed(address indexed)", "AdminChanged(address indexed,address indexed)"}
ADMIN_ERRORS = {"NotAdmin(address)", "NotPendingAdmin(address)", "ZeroAddress()", "OutOfRange()"}
# OpenZeppelin's ERC-721 errors, which the EVM adapter translates to the domain's.
ERC721_ERRORS = {
    "ERC721IncorrectOwner(address,uint256,address)",
    "ERC721InsufficientApproval(address,uint256)",
    "ERC721InvalidApprover(address)",
    "ERC721InvalidOperator(address)",
    "ERC721InvalidOwner(address)",
    "ERC721InvalidReceiver(address)",
    "ERC721InvalidSender(address)",
    "ERC721NonexistentToken(uint256)",
}


def test_the_nfts_functions_are_the_agreed_ones(nft: Contract) -> None:
    assert mirror.functions(nft) == ADMINISTERED | {
        "createRelease(address,string,string,bytes32,uint256,uint256,address[],uint256[])"
        "->(uint256)",
        "setRoyaltyReceiver(address)->()",
        "mintEdition(uint256,address)->(uint256)",
        "getRelease(uint256)->(address,bytes32,uint256,uint256,uint256,address[],uint256[])",
        "saleTerms(uint256)->(address,uint256,bytes)",
        "authorization(uint256,address)->(address,bool)",
        "releaseCount()->(uint256)",
        "royaltyReceiver()->(address)",
        "tronReceiver()->(bool)",
        "royaltyInfo(uint256,uint256)->(address,uint256)",
        "supportsInterface(bytes4)->(bool)",
        "name()->(string)",
        "symbol()->(string)",
        "tokenURI(uint256)->(string)",
        "balanceOf(address)->(uint256)",
        "ownerOf(uint256)->(address)",
        "getApproved(uint256)->(address)",
        "isApprovedForAll(address,address)->(bool)",
        "approve(address,uint256)->()",
        "setApprovalForAll(address,bool)->()",
        "transferFrom(address,address,uint256)->()",
        "safeTransferFrom(address,address,uint256)->()",
        "safeTransferFrom(address,address,uint256,bytes)->()",
    }


def test_the_nfts_events_and_errors_are_the_agreed_ones(nft: Contract) -> None:
    assert mirror.events(nft) == ADMIN_EVENTS | {
        "RoyaltyReceiverSet(address indexed)",
        "ReleaseCreated(uint256 indexed,address indexed,string,string,bytes32,uint256,uint256)",
        "SplitSet(uint256 indexed,address[],uint256[])",
        "EditionMinted(uint256 indexed,uint256,uint256 indexed,address indexed)",
        "Transfer(address indexed,address indexed,uint256 indexed)",
        "Approval(address indexed,address indexed,uint256 indexed)",
        "ApprovalForAll(address indexed,address indexed,bool)",
    }
    assert mirror.errors(nft) == ADMIN_ERRORS | ERC721_ERRORS | {
        "EmptyHash()",
        "UnknownRelease(uint256)",
        "DuplicateRelease(bytes32,uint256)",
        "EditionsExhausted(uint256,uint256)",
        "InvalidSplit()",
        "ReceiverRejected(address)",
    }


def test_the_nfts_events_and_errors_carry_the_domain_names(nft: Contract) -> None:
    # Transfer, Approval and ApprovalForAll are ERC-721's; the adapter renames them.
    erc721 = {"Transfer", "Approval", "ApprovalForAll"}
    mirror.assert_events_mirror_the_domain(nft, skip={"AdminProposed", "AdminChanged"} | erc721)
    foreign = {signature.split("(")[0] for signature in ERC721_ERRORS}
    mirror.assert_errors_are_domain_errors(nft, foreign=foreign)


def test_the_distributors_functions_are_the_agreed_ones(distributor: Contract) -> None:
    assert mirror.functions(distributor) == ADMINISTERED | {
        "setPlatformFee(uint256,address)->()",
        "listEdition(uint256,address,uint256)->()",
        "cancelListing(uint256)->()",
        "buyEdition(uint256,address,uint256)->()",
        "payRoyalty(uint256,address,uint256)->()",
        "withdraw(address)->()",
        "listing(uint256)->(address,address,uint256)",
        "payoutOf(address,address)->(uint256)",
        "platformFeeBps()->(uint256)",
        "treasury()->(address)",
        "settlementCount()->(uint256)",
        "nft()->(address)",
    }


def test_the_distributors_events_and_errors_are_the_agreed_ones(distributor: Contract) -> None:
    assert mirror.events(distributor) == ADMIN_EVENTS | {
        "PlatformFeeSet(uint256,address indexed)",
        "EditionListed(uint256 indexed,address indexed,address,uint256)",
        "ListingCancelled(uint256 indexed,address indexed)",
        "EditionSold(uint256 indexed,uint256 indexed,uint256 indexed,address,address,address,"
        "uint256,bool)",
        "RoyaltyReceived(uint256 indexed,uint256 indexed,address indexed,address,uint256)",
        "PayoutCredited(uint256 indexed,address indexed,address indexed,uint256,uint8)",
        "PayoutWithdrawn(address indexed,address indexed,uint256)",
    }
    # Refusals bubbled from the NFT (UnknownRelease, ERC721NonexistentToken) and from payment
    # tokens are in their ABIs, not this one.
    assert mirror.errors(distributor) == ADMIN_ERRORS | {
        "NotOwnerNorApproved(address,uint256)",
        "UnsupportedCurrency(address)",
        "NotListed(uint256)",
        "BuyerIsSeller(address,uint256)",
        "WrongCurrency(address,address)",
        "WrongPayment(uint256,uint256)",
        "PaymentNotReceived(uint256,uint256)",
        "NothingToWithdraw(address,address)",
        "PaymentFailed(address)",
        "ReentrancyGuardReentrantCall()",
    }


def test_the_distributors_events_and_errors_carry_the_domain_names(distributor: Contract) -> None:
    mirror.assert_events_mirror_the_domain(distributor, skip={"AdminProposed", "AdminChanged"})
    # PaymentFailed (a withdrawal the recipient or the token would not take) has no domain
    # class yet: the in-memory ledger's push cannot fail. The reentrancy guard's is OpenZeppelin's.
    foreign = {"ReentrancyGuardReentrantCall", "PaymentFailed"}
    mirror.assert_errors_are_domain_errors(distributor, foreign=foreign)
