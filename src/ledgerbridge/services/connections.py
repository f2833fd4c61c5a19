"""Connection documents made safe to store: each side validated on its own, secrets put back for
sealing, and the rules about addresses (no private addresses; a stored secret never goes to a new one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic

from ledgerbridge.integrations.base import IntegrationKind
from ledgerbridge.netguard import url_problems
from ledgerbridge.services.common import N_, InvalidConfiguration, Message, validation_problems


def refuse_addresses(connections: Mapping[str, Any]) -> None:
    """:class:`InvalidConfiguration` if any side's address is one secrets must not be sent to."""
    problems = url_problems(connections)
    if problems:
        raise InvalidConfiguration(
            "the connection is not valid:\n" + "\n".join(f"  {path}: {why}" for path, why in problems),
            problems,
        )


def validate_sides(kind_cls: type[IntegrationKind], document: Mapping[str, Any]) -> dict[str, Any]:
    """Each side given, validated on its own (re-entering connections side by side after a lost key);
    returns them with their secrets revealed for sealing."""
    out: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for side, values in document.items():
        info = kind_cls.Connections.model_fields.get(side)
        model = info.annotation if info else None
        if not (isinstance(model, type) and issubclass(model, pydantic.BaseModel)):
            problems.append((side, f"{kind_cls.kind} has no side {side!r}"))
            continue
        try:
            parsed = model.model_validate(values)
        except pydantic.ValidationError as exc:
            problems += validation_problems(side, exc)
            continue
        out[side] = reveal(parsed.model_dump(mode="json"), parsed)
    if problems:
        raise InvalidConfiguration(
            "the connection is not valid:\n" + "\n".join(f"  {p}: {m}" for p, m in problems), problems
        )
    return out


def moved_sides(stored: Mapping[str, Mapping[str, Any]], document: Mapping[str, Any]) -> set[str]:
    """Sides whose any ``*_url`` differs from the stored one (compared as the model writes them)."""
    moved = set()
    for side, values in document.items():
        before = stored.get(side)
        if not isinstance(values, Mapping) or not before:
            continue
        if any(
            key.endswith("_url") and _same_url(before.get(key)) != _same_url(value)
            for key, value in values.items()
        ):
            moved.add(side)
    return moved


def _same_url(value: Any) -> str | None:
    return str(value).rstrip("/") if value else None


def require_secrets_again(
    kind_cls: type[IntegrationKind],
    stored: Mapping[str, Mapping[str, Any]],
    given: Mapping[str, Any],
    moved: set[str],
) -> None:
    """Refuse to keep a stored secret of a side whose address changed: it would be sent to the new one."""
    problems: list[tuple[str, str]] = []
    for side in sorted(moved):
        values = given.get(side) or {}
        for key, old in stored[side].items():
            if is_secret(kind_cls, side, key) and old and values.get(key) in (None, ""):
                problems.append(
                    (
                        f"{side}.{key}",
                        Message(
                            N_(
                                "the address changed: enter this secret again (a stored secret is never "
                                "sent to a new address)"
                            )
                        ),
                    )
                )
    if problems:
        raise InvalidConfiguration(
            "the connection is not valid:\n" + "\n".join(f"  {p}: {m}" for p, m in problems), problems
        )


def is_secret(kind_cls: type[IntegrationKind], side: str, key: str) -> bool:
    side_field = kind_cls.Connections.model_fields.get(side)
    model = side_field.annotation if side_field else None
    if not (isinstance(model, type) and issubclass(model, pydantic.BaseModel)):
        return False
    info = model.model_fields.get(key)
    return info is not None and _mentions_secret(info.annotation)


def _mentions_secret(annotation: Any) -> bool:
    from typing import get_args

    if annotation is pydantic.SecretStr:
        return True
    return any(_mentions_secret(arg) for arg in get_args(annotation))


def reveal(document: Any, model: pydantic.BaseModel) -> Any:
    """``model_dump(mode="json")`` masks SecretStr as '**********'; put the real secrets back for sealing."""
    if isinstance(document, dict):
        out = {}
        for key, value in document.items():
            attr = getattr(model, key, None)
            if isinstance(attr, pydantic.SecretStr):
                out[key] = attr.get_secret_value()
            elif isinstance(attr, pydantic.BaseModel):
                out[key] = reveal(value, attr)
            else:
                out[key] = value
        return out
    return document
