"""The in-memory ledger: the domain rules executed directly, one block per transaction.

Blocks are chained by parent hash and stamped by a ``Clock``. Everything that changed state is
journaled per block, so the ledger can reorganize: drop the newest blocks, rebuild the state by
replaying the surviving journal, and continue on a new branch whose blocks get new hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from attrs import define, field

from dcmx_adapters.block_time import BlockTime
from dcmx_adapters.blocks import BlockLog
from dcmx_core.commands import Command
from dcmx_core.events import DomainEvent, LogPosition
from dcmx_core.model.compliance import DeletionRequest
from dcmx_core.model.distributor import Listing
from dcmx_core.model.enums import Contract, DocumentType, Pool
from dcmx_core.model.nft import Release
from dcmx_core.model.platform import Deployment, Platform
from dcmx_core.model.rewards import Claim, PoolState
from dcmx_core.model.signing import Crypto
from dcmx_core.model.token import Erc20
from dcmx_core.model.values import Address, Hash32
from dcmx_core.ports import Block, Clock, EventBatch, Receipt

DEFAULT_CHAIN_ID = 1337
DEFAULT_BASE_URI = "https://dcmx.local/nft/"

# A journal entry replays one state change against a Platform (given the block time).
Change = Callable[[Platform, int], list[DomainEvent]]


@define
class _Journal:
    """What a block did: the changes to replay it, and the events it emitted."""

    changes: list[Change] = field(factory=list)
    events: list[DomainEvent] = field(factory=list)


def _contract_address(chain_id: int, name: str) -> Address:
    return Address(hashlib.sha256(b"dcmx:%d:%s" % (chain_id, name.encode())).digest()[:20])


class MemoryLedger:
    """A ``DevLedger`` in memory; deterministic for a given clock."""

    def __init__(
        self,
        *,
        admin: Address,
        crypto: Crypto,
        clock: Clock,
        chain_id: int = DEFAULT_CHAIN_ID,
        base_uri: str = DEFAULT_BASE_URI,
    ) -> None:
        self._admin = admin
        self._crypto = crypto
        self._base_uri = base_uri
        self._deployment = Deployment(
            chain_id,
            *(_contract_address(chain_id, c.name) for c in Contract),
        )
        self._time = BlockTime(clock)
        self._contracts_made = 0
        self._blocks: BlockLog[_Journal] = BlockLog(clock.now(), _Journal())
        self._platform = self._fresh_platform()

    def _fresh_platform(self) -> Platform:
        return Platform.deploy(self._admin, self._deployment, self._base_uri)

    # --- the Ledger port --------------------------------------------------------------------

    @property
    def deployment(self) -> Deployment:
        return self._deployment

    @property
    def platform(self) -> Platform:
        """The live state (read it; change it only through commands)."""
        return self._platform

    def execute(self, sender: Address, command: Command) -> Receipt:
        now = self._next_timestamp()
        crypto = self._crypto

        def change(platform: Platform, at: int) -> list[DomainEvent]:
            return platform.execute(sender, command, now=at, crypto=crypto)

        events = change(self._platform, now)
        tx_id = Hash32(
            hashlib.sha256(
                b"tx:%d:%d:%d:%s:%s"
                % (
                    self._deployment.chain_id,
                    self.head().number + 1,
                    self._blocks.branch,
                    sender.raw,
                    repr(command).encode(),
                )
            ).digest()
        )
        header = self._blocks.next_header(now, tx_id)
        placed = [
            event.placed(LogPosition(header.number, header.hash, tx_id, index))
            for index, event in enumerate(events)
        ]
        # The block appears complete: a reader on another thread never sees it without events.
        self._blocks.append(header, _Journal([change], placed))
        return Receipt(tx_id, header.number, header.hash, tuple(placed))

    def head(self) -> Block:
        return self._blocks.head()

    def block(self, number: int) -> Block:
        return self._blocks.block(number)

    def events(self, from_block: int, to_block: int) -> list[DomainEvent]:
        return [e for j in self._blocks.contents(from_block, to_block) for e in j.events]

    def read(self, from_block: int, to_block: int) -> EventBatch:
        # The rules only ever produce domain events: nothing here is undecodable.
        return EventBatch(tuple(self.events(from_block, to_block)))

    # --- the DevLedger extras ---------------------------------------------------------------

    def fund(self, account: Address, amount: int) -> None:
        def change(platform: Platform, _at: int) -> list[DomainEvent]:
            platform.native[account] = platform.native_balance(account) + amount
            return []

        self._apply_dev(change)

    def deploy_payment_token(self, symbol: str, *, returns_false: bool = False) -> Address:
        # What a token returns is invisible to the rules: money moves or the call fails.
        token = self._new_contract_address(f"token:{symbol}")

        def change(platform: Platform, _at: int) -> list[DomainEvent]:
            platform.payment_tokens[token] = Erc20()
            return []

        self._apply_dev(change)
        return token

    def mint_payment_token(self, token: Address, account: Address, amount: int) -> None:
        def change(platform: Platform, _at: int) -> list[DomainEvent]:
            erc20 = platform.payment_tokens[token]
            erc20.balances[account] = erc20.balance_of(account) + amount
            erc20.total_supply += amount
            return []

        self._apply_dev(change)

    def deploy_receiver(self, accepts: bool) -> Address:
        receiver = self._new_contract_address(f"receiver:{accepts}")

        def change(platform: Platform, _at: int) -> list[DomainEvent]:
            platform.receivers[receiver] = accepts
            return []

        self._apply_dev(change)
        return receiver

    def mine(self, blocks: int = 1) -> None:
        for _ in range(blocks):
            self._blocks.seal(self._next_timestamp(), None, _Journal())

    def warp(self, seconds: int) -> None:
        self._time.warp(seconds, self.head().timestamp)

    def reorganize(self, depth: int) -> None:
        self._blocks.drop(depth)
        self._platform = self._fresh_platform()
        for number in range(self.head().number + 1):
            for change in self._blocks.content(number).changes:
                change(self._platform, self._blocks.block(number).timestamp)

    # --- internals --------------------------------------------------------------------------

    def _apply_dev(self, change: Change) -> None:
        """A development-only change (funding, test contracts): applied now and journaled
        with the head block, so a reorg past that block undoes it too."""
        change(self._platform, self.head().timestamp)
        self._blocks.content(self.head().number).changes.append(change)

    def _new_contract_address(self, label: str) -> Address:
        self._contracts_made += 1
        return _contract_address(self._deployment.chain_id, f"{label}:{self._contracts_made}")

    def _next_timestamp(self) -> int:
        return self._time.next(self.head().timestamp)

    # --- queries ----------------------------------------------------------------------------

    def token_balance(self, account: Address) -> int:
        return self._platform.token.balance_of(account)

    def allowance(self, owner: Address, spender: Address) -> int:
        return self._platform.token.allowance(owner, spender)

    def total_supply(self) -> int:
        return self._platform.token.total_supply

    def total_minted(self) -> int:
        return self._platform.token.total_minted

    def is_minter(self, account: Address) -> bool:
        return self._platform.token.is_minter(account)

    def minting_finished(self) -> bool:
        return self._platform.token.minting_finished

    def admin_of(self, contract: Contract) -> Address:
        return self._platform.administration(contract).admin

    def pending_admin_of(self, contract: Contract) -> Address:
        return self._platform.administration(contract).pending

    def native_balance(self, account: Address) -> int:
        return self._platform.native_balance(account)

    def balance_in(self, currency: Address, account: Address) -> int:
        return self._platform.balance_in(currency, account)

    def allowance_in(self, token: Address, owner: Address, spender: Address) -> int:
        return self._platform.erc20(token).allowance(owner, spender)

    def release(self, release_id: int) -> Release:
        return self._platform.nft.release(release_id)

    def release_count(self) -> int:
        return len(self._platform.nft.releases)

    def owner_of(self, token_id: int) -> Address:
        return self._platform.nft.owner_of(token_id)

    def nft_balance(self, owner: Address) -> int:
        return self._platform.nft.balance_of(owner)

    def get_approved(self, token_id: int) -> Address:
        return self._platform.nft.get_approved(token_id)

    def is_operator(self, owner: Address, operator: Address) -> bool:
        return self._platform.nft.is_approved_for_all(owner, operator)

    def royalty_info(self, token_id: int, price: int) -> tuple[Address, int]:
        return self._platform.nft.royalty_info(token_id, price)

    def token_uri(self, token_id: int) -> str:
        return self._platform.nft.token_uri(token_id)

    def listing(self, token_id: int) -> Listing | None:
        return self._platform.royalties.listing(token_id)

    def payout(self, recipient: Address, currency: Address) -> int:
        return self._platform.royalties.payout_of(recipient, currency)

    def platform_fee(self) -> tuple[int, Address]:
        return self._platform.royalties.fee_bps, self._platform.royalties.treasury

    def pool(self, pool: Pool) -> PoolState:
        return self._platform.rewards.pools[pool]

    def claim(self, claim_id: int) -> Claim:
        return self._platform.rewards.claim(claim_id)

    def claim_count(self) -> int:
        return len(self._platform.rewards.claims)

    def is_verifier(self, account: Address) -> bool:
        return account in self._platform.rewards.verifiers

    def proof_used(self, proof_hash: Hash32) -> bool:
        return proof_hash in self._platform.rewards.used_proofs

    def claimed_today(self, user: Address, pool: Pool, day: int) -> int:
        return self._platform.rewards.claimed_today(user, pool, day)

    def document_hash(self, doc_type: DocumentType, version: int) -> Hash32 | None:
        return self._platform.compliance.document_hash(doc_type, version)

    def accepted_at(self, user: Address, doc_type: DocumentType, version: int) -> int | None:
        return self._platform.compliance.accepted_at(user, doc_type, version)

    def nonce_of(self, user: Address) -> int:
        return self._platform.compliance.nonce_of(user)

    def deletion_request(self, request_id: int) -> DeletionRequest:
        return self._platform.compliance.deletion_request(request_id)

    def open_deletion_request(self, user: Address) -> int | None:
        return self._platform.compliance.open_request_of(user)
