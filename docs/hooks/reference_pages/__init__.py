"""The reference pages of the documentation, written from the code at build time: the command
line from the ``dcmx`` command itself, the HTTP API from its OpenAPI document, the contracts from
their compiled NatSpec, the settings from the settings' own parsers."""
