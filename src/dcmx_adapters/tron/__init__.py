"""TRON through tronpy: any java-tron node's HTTP API (Nile, Shasta, mainnet, your own, or the
local node of ``dcmx_devnode``), the same contracts as on the EVM."""
