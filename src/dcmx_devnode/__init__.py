"""The local TRON node: java-tron's HTTP API on revm, reproducing java-tron's transaction bytes.
A development tool and a test double (served by ``dcmx node``; run in process by ``dcmx up
--chain tron`` and the tests), not an adapter of the core: the tronpy adapter in
``dcmx_adapters.tron`` talks to it as to any java-tron."""
