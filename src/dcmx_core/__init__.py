"""DCMX Core: the rules of the DCMX music platform's Web3 back end, in pure Python."""

__version__ = "0.1.0"
