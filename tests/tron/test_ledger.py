"""The TRON ledger through tronpy against the local node: refusals come back as the EVM
ledger's domain errors, logs are numbered across the block, receipts carry energy and
bandwidth, reorganizations and solidification reach the ledger, and a node is reached by URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from tronpy import Tron  # type: ignore[import-untyped]
from tronpy.keys import PrivateKey  # type: ignore[import-untyped]

from dcmx_adapters.clock import ManualClock, SystemClock
from dcmx_adapters.evm.abi import to_abi
from dcmx_adapters.evm.chain import NotADevelopmentChain
from dcmx_adapters.evm.deploy import deploy_platform
from dcmx_adapters.evm.ledger import EvmLedger, local_evm_ledger
from dcmx_adapters.evm.translate import abi_of
from dcmx_adapters.signing import KeySigner
from dcmx_adapters.tron.chain import TronChain
from dcmx_adapters.tron.ledger import TronLedger, TronReceipt, node_url, tron_ledger
from dcmx_core import commands as c
from dcmx_core.exceptions import (
    DcmxError,
    InsufficientBalance,
    NotAdmin,
    NotMinter,
    OutOfRange,
    UnknownClaim,
    UnknownRelease,
    UnknownToken,
)
from dcmx_core.model.enums import Contract
from dcmx_core.model.nft import token_id_of
from dcmx_core.model.values import Address
from dcmx_devnode.local import fresh_tron_ledger, local_tron_ledger
from dcmx_devnode.node import LocalTronNode
from dcmx_devnode.provider import LocalTronProvider
from dcmx_devnode.server import serve
from dcmx_entrypoints.container import container_for
from dcmx_entrypoints.settings import LedgerKind, Settings
from tests.factories import ADMIN, ALICE, BOB, CAROL, key, signers

START = 1_767_225_600
UNIT = 10**18


def fresh(*, solidify_depth: int = 19) -> TronLedger:
    ledger = local_tron_ledger(
        ADMIN, ManualClock(START), signers=signers(0, 1, 2, 3), solidify_depth=solidify_depth
    )
    for someone in (ALICE, BOB, CAROL):
        ledger.fund(someone, 10**20)
    return ledger


@pytest.fixture
def ledger() -> TronLedger:
    return fresh()


def with_tokens(ledger: EvmLedger) -> EvmLedger:
    ledger.execute(ADMIN, c.AddMinter(ADMIN))
    for holder in (ALICE, BOB):
        ledger.execute(ADMIN, c.Mint(holder, 5 * UNIT))
    return ledger


# --- refusals -------------------------------------------------------------------------------

REFUSALS = [
    (ALICE, c.Mint(ALICE, 1), NotMinter),
    (ALICE, c.Transfer(BOB, 10**30), InsufficientBalance),
    (ALICE, c.AddVerifier(BOB), NotAdmin),
    (ADMIN, c.MintEdition(99, ALICE), UnknownRelease),
    (ALICE, c.PayClaim(7), UnknownClaim),
    (ALICE, c.TransferEdition(ALICE, BOB, token_id_of(1, 1)), UnknownToken),
]


@pytest.mark.parametrize(("sender", "command", "expected"), REFUSALS)
def test_a_revert_is_the_domain_error_the_evm_ledger_raises(
    ledger: TronLedger, sender: Address, command: c.Command, expected: type[DcmxError]
) -> None:
    on_evm = with_tokens(local_evm_ledger(ADMIN, ManualClock(START), engine="revm"))
    with_tokens(ledger)
    head = ledger.head()
    with pytest.raises(expected) as on_tron:
        ledger.execute(sender, command)
    with pytest.raises(expected) as there:
        on_evm.execute(sender, command)
    assert type(on_tron.value) is type(there.value)
    assert str(on_tron.value) == str(there.value)
    assert ledger.head() == head  # the failed transaction's block is gone again


def test_a_reverting_view_is_the_domain_error_too(ledger: TronLedger) -> None:
    with pytest.raises(UnknownToken):
        ledger.owner_of(token_id_of(1, 1))


# --- receipts and logs ----------------------------------------------------------------------


def test_receipts_report_energy_and_bandwidth(ledger: TronLedger) -> None:
    receipt = ledger.execute(ADMIN, c.AddMinter(ALICE))
    assert isinstance(receipt, TronReceipt)
    assert receipt.gas_used > 0
    assert receipt.bandwidth > 0
    assert receipt.fee == 0  # the in-process ledger's node is free by default


def test_a_charging_ledger_reports_what_it_burned() -> None:
    ledger = local_tron_ledger(ADMIN, ManualClock(START), signers=signers(0), free=False)
    receipt = ledger.execute(ADMIN, c.AddMinter(ALICE))
    assert isinstance(receipt, TronReceipt)
    assert receipt.fee >= receipt.gas_used * 100  # mainnet's energy price


def test_log_indexes_are_numbered_across_the_block(ledger: TronLedger) -> None:
    with_tokens(ledger)
    token = ledger.deployment.token
    transfer = abi_of("DCMXToken").function("transfer", 2)
    node = ledger.tron.dev.node
    client = ledger.tron.client
    with node.one_block():  # three wallets' transactions, packed by the node into one block
        for sender, to in ((ALICE, CAROL), (BOB, CAROL), (ALICE, BOB)):
            data = transfer.encode(to_abi([to, 1]))
            owner = sender.to_base58()
            trigger = {
                "owner_address": owner,
                "contract_address": token.to_base58(),
                "data": data.hex(),
                "fee_limit": 10**8,
                "visible": True,
            }
            tx = client.provider.make_request("wallet/triggersmartcontract", trigger)
            built = tx["transaction"]
            signature = _sign(sender, built["txID"])
            sent = client.provider.make_request(
                "wallet/broadcasttransaction", built | {"signature": [signature]}
            )
            assert sent["result"] is True
    number = ledger.head().number
    events = ledger.events(number, number)

    assert [e.position.log_index for e in events if e.position] == [0, 1, 2]
    assert len({e.position.tx_id for e in events if e.position}) == 3
    infos = client.provider.make_request("wallet/gettransactioninfobyblocknum", {"num": number})
    assert [len(info["log"]) for info in infos] == [1, 1, 1]  # TRON numbers them per transaction


def _sign(sender: Address, txid: str) -> str:
    number = [ADMIN, ALICE, BOB, CAROL].index(sender)
    return str(PrivateKey(key(number)).sign_msg_hash(bytes.fromhex(txid)).hex())


def test_events_paged_by_block_are_those_of_the_receipts(ledger: TronLedger) -> None:
    first = ledger.head().number + 1
    receipts = [ledger.execute(ADMIN, c.AddMinter(who)) for who in (ALICE, BOB, CAROL)]
    ledger.mine(2)
    expected = [e for r in receipts for e in r.events]
    assert ledger.events(first, ledger.head().number) == expected


# --- reorganizations and solidification -----------------------------------------------------


def test_a_reorganization_through_the_ledger_undoes_a_transfer(ledger: TronLedger) -> None:
    with_tokens(ledger)
    receipt = ledger.execute(ALICE, c.Transfer(CAROL, UNIT))
    ledger.reorganize(1)

    assert ledger.token_balance(CAROL) == 0
    assert ledger.events(receipt.block_number, receipt.block_number) == []
    again = ledger.execute(ALICE, c.Transfer(CAROL, UNIT))
    assert again.block_number == receipt.block_number
    assert again.block_hash != receipt.block_hash
    assert ledger.token_balance(CAROL) == UNIT


def test_a_reorganization_cannot_reach_solidified_blocks(ledger: TronLedger) -> None:
    ledger.mine(25)
    solidified = ledger.solidified_head()
    with pytest.raises(OutOfRange):
        ledger.reorganize(20)
    ledger.reorganize(19)
    assert ledger.head() == solidified


def test_solidified_blocks_lag_the_head_by_the_nodes_depth() -> None:
    ledger = fresh(solidify_depth=3)
    receipt = ledger.execute(ADMIN, c.AddMinter(ALICE))
    source = ledger.solidified()

    assert source.head().number == ledger.head().number - 3
    assert source.read(receipt.block_number, receipt.block_number).events == ()
    with pytest.raises(OutOfRange):
        source.block(receipt.block_number)
    ledger.mine(3)
    assert source.read(receipt.block_number, receipt.block_number).events == receipt.events
    assert source.block(receipt.block_number) == ledger.block(receipt.block_number)


# --- networks -------------------------------------------------------------------------------


def test_on_a_network_a_refusal_is_found_before_anything_is_broadcast() -> None:
    node = LocalTronNode()  # on its own wall clock, which the ledger does not drive
    for someone in (ADMIN, ALICE):
        node.fund(b"\x41" + someone.raw, 10**12)
    chain = TronChain(Tron(provider=LocalTronProvider(node)), signers(0, 1), poll_seconds=0.01)
    deployment = deploy_platform(chain, ADMIN, tron=True)
    ledger = TronLedger(chain, deployment, admin=ADMIN, clock=SystemClock())
    head = node.head.number

    with pytest.raises(NotMinter):
        ledger.execute(ALICE, c.Mint(ALICE, 1))
    assert node.head.number == head
    assert ledger.execute(ADMIN, c.AddMinter(ALICE)).block_number == head + 1
    with pytest.raises(NotADevelopmentChain):
        ledger.fund(ALICE, 1)


def test_a_node_is_reached_by_its_url() -> None:
    local = local_tron_ledger(ADMIN, SystemClock(), signers=signers(0))
    local.fund(ALICE, 10**12)

    with serve(local.tron.dev.node) as url:
        remote = tron_ledger(
            url,
            clock=SystemClock(),
            operator=KeySigner(key(1)),
            deployment=local.deployment.addresses,
        )
        receipt = remote.execute(ALICE, c.Approve(BOB, 5))
        assert remote.admin_of(Contract.TOKEN) == ADMIN
        assert remote.allowance(ALICE, BOB) == 5

    assert remote.deployment == local.deployment
    assert local.allowance(ALICE, BOB) == 5
    assert receipt.events == tuple(local.events(receipt.block_number, receipt.block_number))


def test_the_local_network_is_a_fresh_node_with_a_new_operator() -> None:
    ledger = fresh_tron_ledger(ManualClock(START), None)
    operator = ledger.admin_of(Contract.TOKEN)
    assert not operator.is_zero
    assert ledger.execute(operator, c.AddMinter(operator)).events
    assert ledger.is_minter(operator)


def test_named_networks_are_tronpys_and_others_are_refused() -> None:
    assert node_url("nile") == "https://api.nileex.io"
    assert node_url("https://tron.example:8090/") == "https://tron.example:8090/"
    with pytest.raises(ValueError, match="unknown TRON network"):
        node_url("moon")


def test_a_network_needs_the_five_contracts_addresses() -> None:
    with pytest.raises(ValueError, match="needs the addresses of the five contracts"):
        tron_ledger("http://127.0.0.1:9/", clock=SystemClock())
    with pytest.raises(ValueError, match="needs the addresses of the five contracts"):
        tron_ledger("http://127.0.0.1:9/", clock=SystemClock(), deployment=(ALICE, BOB))


def test_the_container_builds_this_ledger_for_the_local_network(tmp_path: Path) -> None:
    settings = Settings(ledger=LedgerKind.TRON, data_dir=tmp_path)
    container = container_for(settings)
    ledger = container.ledger()
    assert isinstance(ledger, TronLedger)
    assert container.chain() == "tron:local"
    assert ledger.head().number > 0  # the platform is deployed
