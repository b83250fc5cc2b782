"""A fixed tour of the ledger state machine: every kind of command carried out at least once
and the usual refusals met, section by section, with the invariants and the sides' agreement
checked after each section.

A random run draws commands by chance and may miss a kind in a short run; the tour never does.
It is how a slow engine (eth-tester) shows in seconds that it still agrees with the rules,
while the long random runs go on the fast one.
"""

from __future__ import annotations

from dcmx_core import commands as c
from dcmx_core.model.distributor import NATIVE
from dcmx_core.model.enums import Contract, DocumentType, Pool, Regime
from dcmx_core.model.nft import token_id_of
from dcmx_core.model.token import CAP
from dcmx_core.model.values import Hash32
from tests.property.ledger_machine import ACTORS, UNIT, LedgerMachine

EVERY_COMMAND = frozenset(c.Command.__subclasses__())
PROOFS = [Hash32.of(b"h%d" % i) for i in range(8)]
TERMS = (DocumentType.TERMS_OF_SERVICE, 1, PROOFS[6])


def tour(machine: LedgerMachine, *, check_every_section: bool = True) -> None:
    """Deploy, then run every section; the sides answer every command alike, and the invariants
    and the sides' agreement on the whole state hold after each section (or, where reading the
    state is slow, at the end: every command's events are compared all the same)."""
    machine.deploy()
    sections = (token, editions, sales, rewards, compliance, the_end_of_minting)
    for number, section in enumerate(sections, start=1):
        section(machine)
        if check_every_section or number == len(sections):
            machine.invariants_hold()


def token(m: LedgerMachine) -> None:
    m.mint(0, 1, 100 * UNIT)
    m.mint(2, 2, UNIT)  # no minter
    m.transfer(1, 2, 10 * UNIT)
    m.transfer(1, 2, CAP)  # more than the balance
    m.approve(1, 3, 5 * UNIT, "dcmx")
    m.approve(2, "distributor", 7, "usdt")
    m.transfer_from(3, 1, 4, 2 * UNIT)
    m.transfer_from(3, 1, 4, 10 * UNIT)  # more than the allowance
    m.burn(2, UNIT)
    m.burn_from(3, 1, UNIT)
    m.change_minter(0, 2, True)
    m.mint(2, 3, UNIT)
    m.change_minter(0, 2, False)
    m.hand_over_admin(0, Contract.TOKEN, 1, 2)  # the wrong account accepts
    m.hand_over_admin(0, Contract.TOKEN, 1, 1)  # and the right one, who hands it back


def editions(m: LedgerMachine) -> None:
    split = [(2, 5_000), (3, 5_000)]
    m.create_release(0, 2, PROOFS[1], 2, 500, split, even=False)
    m.create_release(0, 2, PROOFS[2], 2, 500, [(2, 5_000), (3, 4_999)], even=False)  # not whole
    m.create_release(1, 2, PROOFS[3], 2, 500, split, even=True)  # not the admin
    m.set_royalty_receiver(0, "distributor")
    for to in (3, "receiver_ok", 1):  # the third is one edition too many
        m.run(0, lambda s, to=to: c.MintEdition(2, s.account(to)))
    m.run(1, lambda s: c.TransferEdition(ACTORS[1], ACTORS[4], token_id_of(1, 1)))
    m.run(2, lambda s: c.TransferEdition(ACTORS[2], s.receiver_no, token_id_of(1, 2), safe=True))
    m.run(2, lambda s: c.TransferEdition(ACTORS[2], s.receiver_ok, token_id_of(1, 2), safe=True))
    m.run(4, lambda s: c.ApproveEdition(ACTORS[3], token_id_of(1, 1)))
    m.run(3, lambda s: c.TransferEdition(ACTORS[4], ACTORS[3], token_id_of(1, 1)))
    m.run(2, lambda s: c.ApproveEdition(ACTORS[2], token_id_of(1, 3)))  # not the owner's
    m.set_operator(3, 2, True)


def sales(m: LedgerMachine) -> None:
    """Edition 1.3 sells for the native coin, edition 1.1 for the false-returning USDT."""
    m.set_platform_fee(0, 250, 4)
    m.set_platform_fee(1, 250, 1)  # not the admin
    m.run(3, lambda s: c.SetOperator(s.ledger.deployment.royalties, True))
    m.run(3, lambda s: c.ListEdition(token_id_of(1, 3), NATIVE, UNIT))
    own = m.run(3, lambda s: c.BuyEdition(token_id_of(1, 3), NATIVE, 2, value=2))
    assert own == ("refused", "BuyerIsSeller")  # before the price: the seller's own purchase
    m.run(4, lambda s: c.BuyEdition(token_id_of(1, 3), NATIVE, UNIT, value=UNIT))
    m.run(3, lambda s: c.ListEdition(token_id_of(1, 1), s.ledger.deployment.token, 2 * UNIT))
    m.run(3, lambda s: c.CancelListing(token_id_of(1, 1)))
    m.run(3, lambda s: c.ListEdition(token_id_of(1, 1), s.usdt, 3 * UNIT))
    m.run(2, lambda s: c.Approve(s.ledger.deployment.royalties, 3 * UNIT, token=s.usdt))
    m.run(2, lambda s: c.BuyEdition(token_id_of(1, 1), s.usdt, UNIT))  # not the price
    m.run(2, lambda s: c.BuyEdition(token_id_of(1, 1), s.usdt, 3 * UNIT))
    m.run(4, lambda s: c.PayRoyalty(1, NATIVE, UNIT, value=UNIT))
    m.run(2, lambda s: c.Approve(s.ledger.deployment.royalties, UNIT))
    m.run(2, lambda s: c.PayRoyalty(1, s.ledger.deployment.token, UNIT))
    m.run(2, lambda s: c.PayRoyalty(9, NATIVE, UNIT, value=UNIT))  # no such release
    for payee in (1, 2, 4):
        for currency in ("native", "dcmx", "usdt"):
            m.run(payee, lambda s, name=currency: c.Withdraw(s.currency(name)))
    m.run(0, lambda s: c.Withdraw(NATIVE))  # nothing owed


def rewards(m: LedgerMachine) -> None:
    m.claim_lifecycle([(1, Pool.LISTENING, UNIT, PROOFS[0], True, 2)])
    m.claim_lifecycle([(2, Pool.SHARING, UNIT, PROOFS[1], False, 2)])  # rejected, not paid
    m.submit_claim(3, Pool.LISTENING, UNIT, PROOFS[0])  # a proof used before
    m.submit_claim(3, Pool.VOTING, 2 * UNIT, PROOFS[2])
    m.send(1, c.VerifyClaim(m.claims[-1], True))  # not a verifier
    m.send(4, c.VerifyClaim(m.claims[-1], True))
    m.send(3, c.PayClaim(m.claims[-1]))
    m.send(3, c.PayClaim(m.claims[-1]))  # paid already
    m.change_verifier(0, 3, True)
    m.change_verifier(0, 3, False)
    m.configure_pool(0, Pool.BANDWIDTH, 2 * UNIT)
    m.allocate_pool(0, Pool.BANDWIDTH, UNIT)
    m.allocate_pool(2, Pool.BANDWIDTH, UNIT)  # not the admin
    m.claims_around_midnight(1, 3, Pool.REFERRAL, [3 * UNIT, 3 * UNIT, UNIT], PROOFS[3:7])
    m.time_passes(1, 5)


def compliance(m: LedgerMachine) -> None:
    m.register_document(0, *TERMS)
    m.register_document(1, DocumentType.PRIVACY_POLICY, 1, PROOFS[7])  # not the admin
    m.send(2, c.AcceptDocument(*TERMS))
    m.send(2, c.AcceptDocument(TERMS[0], TERMS[1], PROOFS[5]))  # not the registered text
    m.relay_acceptance_of(TERMS, 0, 3, None, 0, 30 * 86_400)
    m.relay_acceptance_of(TERMS, 0, 1, 2, 0, 30 * 86_400)  # signed by someone else
    m.relay_acceptance_of(TERMS, 0, 1, None, 1, 30 * 86_400)  # a nonce ahead
    m.relay_acceptance_of(TERMS, 0, 1, None, 0, -1)  # expired
    m.publish_and_accept(DocumentType.COOKIE_POLICY, 2, PROOFS[4], 1)
    m.request_deletion(1, Regime.GDPR)
    m.request_deletion(1, Regime.CCPA)  # one open at a time
    m.relay_deletion_request(0, 2, None, Regime.CCPA)
    m.relay_deletion_request(0, 3, 1, Regime.GDPR)  # signed by someone else
    m.process_deletion(1, 1)  # not the admin
    m.process_deletion(0, 1)
    m.process_deletion(0, 1)  # processed already


def the_end_of_minting(m: LedgerMachine) -> None:
    m.send(1, c.FinishMinting())  # not the admin
    m.send(0, c.FinishMinting())
    m.mint(0, 1, UNIT)  # after the end
