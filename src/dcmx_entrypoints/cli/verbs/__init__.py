"""The use-case verbs of the ``dcmx`` command: one for every use case of the core, run on the
configured ledger or (``--local-chain``) on the chain ``dcmx up`` keeps. A module holds the
groups of one area (``token``; ``release``, ``edition``, ``royalty``, ``payout``; ...), and its
``register`` adds them to the command."""
