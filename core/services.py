"""Writes every app's services share (no models of our own here)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Model


def model_update(
    *, instance: Model, values: Mapping[str, Any], also_save: Iterable[str] = ()
) -> list[str]:
    """Set the fields of `values` that differ and save only those; returns their names.

    Nothing is written when nothing changed. `also_save` names fields to save with them
    (such as an `auto_now` timestamp), only when something changed.
    """
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    if changed:
        instance.save(update_fields=[*changed, *also_save])
    return changed
