"""The HTTP API (FastAPI): reads from the read models, health, readiness and metrics."""

from dcmx_entrypoints.http.app import app_from_container, app_from_environment, create_app

__all__ = ["app_from_container", "app_from_environment", "create_app"]
