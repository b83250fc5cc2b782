"""An API over a ledger opened to be read only (``dcmx serve --local-chain``, beside ``dcmx up``
or the verbs that change that chain) offers no write routes: a write is a problem document
that says so, never a 500, and ``/readyz`` reports the write side off."""

from __future__ import annotations

from pathlib import Path

from dcmx_entrypoints.container import container_for
from dcmx_entrypoints.http import app_from_container
from dcmx_entrypoints.settings import Settings
from tests.http.client import api_client


def test_a_read_only_api_has_no_write_routes(tmp_path: Path) -> None:
    container = container_for(Settings(data_dir=tmp_path))
    with api_client(app_from_container(container, writes=False)) as api:
        written = api.post("/v1/releases", json={})
        assert (written.status_code, written.json()["type"]) == (
            405,
            "/problems/method-not-allowed",
        )
        prepared = api.post("/v1/transactions/prepare/claims", json={})
        assert (prepared.status_code, prepared.json()["type"]) == (404, "/problems/not-found")
        assert api.get("/readyz").json()["writes"] == "off: this server serves reads only"
