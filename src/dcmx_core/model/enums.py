"""Small closed sets of the domain. Their integer values are what the contracts store and emit."""

from __future__ import annotations

from enum import IntEnum


class Contract(IntEnum):
    """The five DCMX contracts (and the aggregates that model them)."""

    TOKEN = 0
    MUSIC_NFT = 1
    COMPLIANCE = 2
    REWARDS = 3
    ROYALTIES = 4


class Pool(IntEnum):
    """Reward pools: what kind of contribution a claim is paid for."""

    SHARING = 0
    LISTENING = 1
    BANDWIDTH = 2
    VOTING = 3
    REFERRAL = 4


class ClaimStatus(IntEnum):
    PENDING = 0
    VERIFIED = 1
    REJECTED = 2
    PAID = 3


class DocumentType(IntEnum):
    """Legal documents a user can accept (the original's five, plus the artist agreement)."""

    TERMS_OF_SERVICE = 0
    PRIVACY_POLICY = 1
    COOKIE_POLICY = 2
    NFT_PURCHASE_AGREEMENT = 3
    RISK_DISCLOSURE = 4
    ARTIST_AGREEMENT = 5


class Regime(IntEnum):
    """The law under which a user asks for their personal data to be deleted."""

    GDPR = 0
    CCPA = 1


class CreditReason(IntEnum):
    """Why a payout was credited to a recipient."""

    PLATFORM_FEE = 0
    SPLIT_SHARE = 1
    SELLER_PROCEEDS = 2
