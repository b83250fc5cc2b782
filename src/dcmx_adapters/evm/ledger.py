"""The ``Ledger`` port on the five contracts of an EVM chain.

Commands become contract calls (simulated first, so a refusal mines nothing and comes back as
the domain error the contract reverted with); logs become domain events; views become queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol, runtime_checkable

from eth_abi.exceptions import DecodingError

from dcmx_adapters.block_time import BlockTime
from dcmx_adapters.evm.abi import address_from_abi, to_abi
from dcmx_adapters.evm.chain import Chain, Reverted, TxResult, Web3Chain
from dcmx_adapters.evm.deploy import DEFAULT_BASE_URI, deploy_contract, deploy_platform, transact
from dcmx_adapters.evm.revm import RevmChain
from dcmx_adapters.evm.translate import (
    ARTIFACT_OF,
    EventDecoder,
    abi_of,
    call_for,
    error_from_revert,
)
from dcmx_adapters.evm.wallet import RelayRefused, SignedTransaction, read_signed
from dcmx_core.commands import Command
from dcmx_core.events import DomainEvent
from dcmx_core.exceptions import InsufficientBalance, TransactionReverted, UnsupportedCurrency
from dcmx_core.model.compliance import DeletionRequest
from dcmx_core.model.distributor import NATIVE, Listing
from dcmx_core.model.enums import ClaimStatus, Contract, DocumentType, Pool, Regime
from dcmx_core.model.nft import Release
from dcmx_core.model.platform import Deployment
from dcmx_core.model.rewards import Claim, PoolState
from dcmx_core.model.royalties import Split
from dcmx_core.model.signing import Signer
from dcmx_core.model.values import ZERO_ADDRESS, Address, Hash32
from dcmx_core.ports import Block, Clock, EventBatch, Receipt


class EvmLedger:
    """A ``DevLedger`` on an EVM chain (development operations need a development chain)."""

    def __init__(
        self, chain: Chain, deployment: Deployment, *, admin: Address, clock: Clock
    ) -> None:
        self._chain = chain
        self._deployment = deployment
        self._admin = admin
        self._time = BlockTime(clock)
        self._decoder = EventDecoder(deployment)

    @property
    def deployment(self) -> Deployment:
        return self._deployment

    @property
    def chain(self) -> Chain:
        return self._chain

    # --- commands ---------------------------------------------------------------------------

    def execute(self, sender: Address, command: Command) -> Receipt:
        call = call_for(command, self._deployment)
        data = call.data()
        if call.value:
            available = self._chain.balance(sender)
            if available < call.value:
                raise InsufficientBalance(sender, call.value, available)
        if self._chain.is_development:  # a real network stamps its own blocks
            self._chain.set_next_timestamp(self._time.next(self._chain.head().timestamp))
        try:
            result = self._chain.send(sender, call.to, data, call.value)
        except Reverted as revert:
            raise error_from_revert(revert.data, str(revert)) from None
        return self._receipt(result, self._decoder.decode(result.logs).events)

    def _receipt(self, result: TxResult, events: tuple[DomainEvent, ...]) -> Receipt:
        """The port's receipt of a mined transaction (a chain may report more in a subclass)."""
        return Receipt(
            result.tx_id, result.block_number, result.block_hash, events, result.gas_used
        )

    # --- a user's own transactions, signed in their wallet -----------------------------------

    def prepare(self, sender: Address, commands: Sequence[Command]) -> list[dict[str, Any]]:
        """The unsigned transactions that carry out ``commands`` from ``sender``, in order,
        as the sender's wallet signs them. A refusal of the rules raises it now."""
        calls = []
        for command in commands:
            call = call_for(command, self._deployment)
            calls.append((call.to, call.data(), call.value))
        if not isinstance(self._chain, PreparingChain):
            raise WalletsUnsupported(_SIGNS_ITSELF)
        try:
            return self._chain.prepare(sender, calls)
        except Reverted as revert:
            raise error_from_revert(revert.data, str(revert)) from None

    def relay(self, signed: object) -> Receipt:
        """Broadcast a transaction the user's wallet signed (raw, as 0x hex) and wait for it:
        only one of this chain's, to one of the platform's contracts (or approving the
        distributor to take a payment token); its receipt, or the rule that refused it."""
        raw = _raw_transaction(signed)
        tx = read_signed(raw)
        if tx.chain_id is not None and tx.chain_id != self._chain.chain_id:
            raise RelayRefused(
                f"the transaction is for chain {tx.chain_id}; this is chain {self._chain.chain_id}"
            )
        if not self._calls_platform(tx.to, tx.data):
            raise RelayRefused("the transaction calls no contract of the platform")
        try:
            result = self._wallet_chain().broadcast(raw, tx)
        except Reverted as revert:
            raise error_from_revert(revert.data, str(revert)) from None
        return self._receipt(result, self._decoder.decode(result.logs).events)

    def _calls_platform(self, to: Address | None, data: bytes) -> bool:
        if to is None:
            return False
        if to in self._deployment.addresses:
            return True
        # A payment token's approval of the distributor, ahead of a purchase paid in it.
        approve = abi_of("DCMXToken").function("approve", 2)
        if data[:4] != approve.selector:
            return False
        try:
            spender, _amount = approve.decode_arguments(data)
        except Exception:  # calldata that does not decode as approve(address,uint256)
            return False
        return address_from_abi(spender) == self._deployment.royalties

    def _wallet_chain(self) -> WalletChain:
        if not isinstance(self._chain, WalletChain):
            raise WalletsUnsupported(_SIGNS_ITSELF)
        return self._chain

    # --- blocks and events ------------------------------------------------------------------

    def head(self) -> Block:
        return self._chain.head()

    def block(self, number: int) -> Block:
        return self._chain.block(number)

    def events(self, from_block: int, to_block: int) -> list[DomainEvent]:
        return list(self.read(from_block, to_block).events)

    def read(self, from_block: int, to_block: int) -> EventBatch:
        return self._decoder.decode(self._chain.logs(from_block, to_block))

    # --- development operations -------------------------------------------------------------

    def fund(self, account: Address, amount: int) -> None:
        self._chain.fund(account, amount)

    def deploy_payment_token(self, symbol: str, *, returns_false: bool = False) -> Address:
        # The mocks carry their own names; the symbol only labels them in memory.
        name = "FalseReturningToken" if returns_false else "PaymentToken"
        return deploy_contract(self._chain, self._admin, name)

    def mint_payment_token(self, token: Address, account: Address, amount: int) -> None:
        transact(self._chain, self._admin, token, "PaymentToken", "mint", account, amount)

    def deploy_receiver(self, accepts: bool) -> Address:
        # NftReceiverMock.Answer: AcceptErc721, AcceptTrc721 (the hook a TRON NFT calls) or
        # WrongMagic.
        hook = 1 if self._one(Contract.MUSIC_NFT, "tronReceiver") else 0
        answer = hook if accepts else 2
        return deploy_contract(self._chain, self._admin, "NftReceiverMock", answer, True)

    def mine(self, blocks: int = 1) -> None:
        for _ in range(blocks):
            self._chain.set_next_timestamp(self._time.next(self._chain.head().timestamp))
            self._chain.mine(1)

    def warp(self, seconds: int) -> None:
        self._time.warp(seconds, self._chain.head().timestamp)

    def reorganize(self, depth: int) -> None:
        self._chain.reorganize(depth)

    # --- views ------------------------------------------------------------------------------

    def _view(self, contract: Contract, name: str, *args: Any) -> tuple[Any, ...]:
        return self._view_at(
            self._deployment.address_of(contract), ARTIFACT_OF[contract], name, *args
        )

    def _view_at(self, to: Address, artifact_name: str, name: str, *args: Any) -> tuple[Any, ...]:
        function = abi_of(artifact_name).function(name, len(args))
        try:
            return function.decode(self._chain.call(to, function.encode(to_abi(args))))
        except Reverted as revert:
            raise error_from_revert(revert.data, str(revert)) from None

    def _one(self, contract: Contract, name: str, *args: Any) -> Any:
        return self._view(contract, name, *args)[0]

    def token_balance(self, account: Address) -> int:
        return int(self._one(Contract.TOKEN, "balanceOf", account))

    def allowance(self, owner: Address, spender: Address) -> int:
        return int(self._one(Contract.TOKEN, "allowance", owner, spender))

    def total_supply(self) -> int:
        return int(self._one(Contract.TOKEN, "totalSupply"))

    def total_minted(self) -> int:
        return int(self._one(Contract.TOKEN, "totalMinted"))

    def is_minter(self, account: Address) -> bool:
        return bool(self._one(Contract.TOKEN, "isMinter", account))

    def minting_finished(self) -> bool:
        return bool(self._one(Contract.TOKEN, "mintingFinished"))

    def admin_of(self, contract: Contract) -> Address:
        return address_from_abi(self._one(contract, "admin"))

    def pending_admin_of(self, contract: Contract) -> Address:
        return address_from_abi(self._one(contract, "pendingAdmin"))

    def native_balance(self, account: Address) -> int:
        return self._chain.balance(account)

    def balance_in(self, currency: Address, account: Address) -> int:
        if currency == NATIVE:
            return self.native_balance(account)
        return self._token_view(currency, "balanceOf", account)

    def allowance_in(self, token: Address, owner: Address, spender: Address) -> int:
        return self._token_view(token, "allowance", owner, spender)

    def _token_view(self, token: Address, name: str, *args: Any) -> int:
        """A token's view; an address that answers it as no token does (no code, a revert
        without reason, an answer that is no uint256) is not a currency (as in the rules)."""
        try:
            return int(self._view_at(token, "DCMXToken", name, *args)[0])
        except (DecodingError, TransactionReverted):
            raise UnsupportedCurrency(token) from None

    def release(self, release_id: int) -> Release:
        artist, content, max_editions, royalty, minted, recipients, shares = self._view(
            Contract.MUSIC_NFT, "getRelease", release_id
        )
        split = Split(tuple(address_from_abi(r) for r in recipients), tuple(shares))
        return Release(
            release_id,
            address_from_abi(artist),
            Hash32(content),
            max_editions,
            royalty,
            split,
            minted,
        )

    def release_count(self) -> int:
        return int(self._one(Contract.MUSIC_NFT, "releaseCount"))

    def owner_of(self, token_id: int) -> Address:
        return address_from_abi(self._one(Contract.MUSIC_NFT, "ownerOf", token_id))

    def nft_balance(self, owner: Address) -> int:
        return int(self._one(Contract.MUSIC_NFT, "balanceOf", owner))

    def get_approved(self, token_id: int) -> Address:
        return address_from_abi(self._one(Contract.MUSIC_NFT, "getApproved", token_id))

    def is_operator(self, owner: Address, operator: Address) -> bool:
        return bool(self._one(Contract.MUSIC_NFT, "isApprovedForAll", owner, operator))

    def royalty_info(self, token_id: int, price: int) -> tuple[Address, int]:
        receiver, amount = self._view(Contract.MUSIC_NFT, "royaltyInfo", token_id, price)
        return address_from_abi(receiver), int(amount)

    def token_uri(self, token_id: int) -> str:
        return str(self._one(Contract.MUSIC_NFT, "tokenURI", token_id))

    def listing(self, token_id: int) -> Listing | None:
        seller, currency, price = self._view(Contract.ROYALTIES, "listing", token_id)
        if address_from_abi(seller) == ZERO_ADDRESS:
            return None
        return Listing(address_from_abi(seller), address_from_abi(currency), int(price))

    def payout(self, recipient: Address, currency: Address) -> int:
        return int(self._one(Contract.ROYALTIES, "payoutOf", recipient, currency))

    def platform_fee(self) -> tuple[int, Address]:
        fee = int(self._one(Contract.ROYALTIES, "platformFeeBps"))
        return fee, address_from_abi(self._one(Contract.ROYALTIES, "treasury"))

    def pool(self, pool: Pool) -> PoolState:
        allocation, distributed, reserved, daily_limit = self._view(
            Contract.REWARDS, "pool", int(pool)
        )
        return PoolState(allocation, distributed, reserved, daily_limit)

    def claim(self, claim_id: int) -> Claim:
        user, pool, amount, proof, day, status = self._view(Contract.REWARDS, "claim", claim_id)
        return Claim(
            claim_id,
            address_from_abi(user),
            Pool(pool),
            amount,
            Hash32(proof),
            day,
            ClaimStatus(status),
        )

    def claim_count(self) -> int:
        return int(self._one(Contract.REWARDS, "claimCount"))

    def is_verifier(self, account: Address) -> bool:
        return bool(self._one(Contract.REWARDS, "isVerifier", account))

    def proof_used(self, proof_hash: Hash32) -> bool:
        return bool(self._one(Contract.REWARDS, "proofUsed", proof_hash))

    def claimed_today(self, user: Address, pool: Pool, day: int) -> int:
        return int(self._one(Contract.REWARDS, "claimedOnDay", user, int(pool), day))

    def document_hash(self, doc_type: DocumentType, version: int) -> Hash32 | None:
        found = Hash32(self._one(Contract.COMPLIANCE, "documentHash", int(doc_type), version))
        return None if found.is_zero else found

    def accepted_at(self, user: Address, doc_type: DocumentType, version: int) -> int | None:
        at = int(self._one(Contract.COMPLIANCE, "acceptedAt", user, int(doc_type), version))
        return at or None

    def nonce_of(self, user: Address) -> int:
        return int(self._one(Contract.COMPLIANCE, "nonces", user))

    def deletion_request(self, request_id: int) -> DeletionRequest:
        user, regime, requested_at, processed_at = self._view(
            Contract.COMPLIANCE, "deletionRequest", request_id
        )
        return DeletionRequest(
            request_id, address_from_abi(user), Regime(regime), requested_at, processed_at or None
        )

    def open_deletion_request(self, user: Address) -> int | None:
        return int(self._one(Contract.COMPLIANCE, "openRequestOf", user)) or None


class WalletsUnsupported(RuntimeError):
    """The chain takes no transactions signed in a user's wallet."""


_SIGNS_ITSELF = (
    "this chain signs for its own accounts (a local chain): it takes no transactions signed "
    "in a wallet"
)


@runtime_checkable
class PreparingChain(Protocol):
    """A chain that prepares transactions for wallets (an EVM node's, TRON's)."""

    def prepare(
        self, sender: Address, calls: Sequence[tuple[Address, bytes, int]]
    ) -> list[dict[str, Any]]: ...


@runtime_checkable
class WalletChain(PreparingChain, Protocol):
    """An EVM chain that also broadcasts the raw transactions wallets signed."""

    def broadcast(self, raw: bytes, signed: SignedTransaction) -> TxResult: ...


def _raw_transaction(signed: object) -> bytes:
    text = signed.strip() if isinstance(signed, str) else ""
    try:
        raw = bytes.fromhex(text.removeprefix("0x")) if text.startswith("0x") else b""
    except ValueError:
        raw = b""
    if not raw:
        raise RelayRefused("a signed EVM transaction is its raw bytes as 0x hex")
    return raw


def local_evm_ledger(
    admin: Address,
    clock: Clock,
    *,
    engine: str = "eth-tester",
    signers: Iterable[Signer] = (),
    base_uri: str = DEFAULT_BASE_URI,
    tron: bool = False,
) -> EvmLedger:
    """A fresh in-process chain with the platform deployed by ``admin``: on eth-tester (py-evm,
    which checks signatures, so ``signers`` must sign for every sender) or on revm
    (``engine="revm"``, hundreds of times faster, needing no keys)."""
    chain: Chain
    if engine == "revm":
        chain = RevmChain(genesis_time=clock.now())
    elif engine == "eth-tester":
        chain = Web3Chain.in_process(signers)
    else:
        raise ValueError(f"unknown EVM engine {engine!r}: use 'eth-tester' or 'revm'")
    chain.fund(admin, 10**22)
    chain.set_next_timestamp(BlockTime(clock).next(chain.head().timestamp))
    deployment = deploy_platform(chain, admin, base_uri=base_uri, tron=tron)
    return EvmLedger(chain, deployment, admin=admin, clock=clock)
