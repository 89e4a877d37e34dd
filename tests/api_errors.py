"""The API's one error shape (association/api_errors.py), read by tests."""

from __future__ import annotations

from typing import Any


def error_fields(response: Any) -> set[str]:
    """The fields a 400 names ("" for an error of the whole request)."""
    return {error["field"] for error in response.json()["errors"]}
