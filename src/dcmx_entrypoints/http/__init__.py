"""The HTTP API (FastAPI): reads from the read models, health, readiness and metrics.

The application is loaded when first asked for, not with the package: the CLI's verbs use the
package's schemas to render what they print, and must not pay for loading FastAPI."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dcmx_entrypoints.http.app import app_from_container, app_from_environment, create_app

__all__ = ["app_from_container", "app_from_environment", "create_app"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from dcmx_entrypoints.http import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
