"""Administration, the same for all five contracts: one admin, handed over in two steps."""

from __future__ import annotations

from attrs import define

from dcmx_core.events import AdminChanged, AdminProposed, DomainEvent
from dcmx_core.exceptions import NotAdmin, NotPendingAdmin
from dcmx_core.model.enums import Contract
from dcmx_core.model.values import ZERO_ADDRESS, Address


@define
class Administration:
    """Who administers a contract. A handover is proposed by the admin and takes effect only
    when the proposed account accepts it, so a typo cannot lose the contract."""

    contract: Contract
    admin: Address
    pending: Address = ZERO_ADDRESS

    def require_admin(self, sender: Address) -> None:
        """Refuse anyone but the admin."""
        if sender != self.admin:
            raise NotAdmin(sender, self.contract.name)

    def propose(self, sender: Address, proposed: Address) -> list[DomainEvent]:
        """The admin proposes a successor (the zero address withdraws a proposal)."""
        self.require_admin(sender)
        self.pending = proposed
        return [AdminProposed(self.contract, proposed)]

    def accept(self, sender: Address) -> list[DomainEvent]:
        """The proposed successor accepts and becomes the admin."""
        if self.pending.is_zero or sender != self.pending:
            raise NotPendingAdmin(sender, self.contract.name)
        previous, self.admin, self.pending = self.admin, sender, ZERO_ADDRESS
        return [AdminChanged(self.contract, previous, sender)]
