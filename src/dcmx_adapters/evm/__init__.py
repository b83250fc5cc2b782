"""The EVM ledger: the five Solidity contracts on an in-process EVM (eth-tester's py-evm, or the
fast revm engine) or on any EVM JSON-RPC endpoint, behind the ``Ledger`` port."""
