"""The console's Jinja environment: the templates in ``web/templates`` and the filters they use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from ledgerbridge.web import i18n

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _totals(counts: dict[str, dict[str, int]]) -> dict[str, int]:
    totals = dict.fromkeys(("created", "updated", "unchanged", "failed"), 0)
    for entity_counts in (counts or {}).values():
        for key in totals:
            totals[key] += int(entity_counts.get(key, 0))
    return totals


TEMPLATES.env.filters["pretty"] = _json
TEMPLATES.env.filters["totals"] = _totals


def remote_words(language: str, key: str | None) -> str:
    """What a document became on the other side, in words: ``booked:1021`` → "booked invoice 1021",
    ``draft:17`` → "draft 17", ``invoice:<id>:1021`` → "invoice 1021"; a GUID draft is just "draft"."""
    if not key:
        return ""
    kind, _, rest = key.partition(":")
    words = {
        "booked": "booked invoice %(number)s",
        "draft": "draft %(number)s",
        "invoice": "invoice %(number)s",
    }
    if not rest or kind not in words:
        return key.replace(":", " ")
    number = rest.rsplit(":", 1)[-1]
    if kind == "draft" and len(number) > 12:  # a GUID says nothing to a person
        return i18n.translate(language, "draft")
    return i18n.translate(language, words[kind]) % {"number": number}


@pass_context
def _remote_document(context: Any, key: str | None) -> str:
    return remote_words(str(context.get("lang") or i18n.DEFAULT), key)


TEMPLATES.env.filters["remote"] = _remote_document
# languages: {% trans %}, _(), |t, and locale-aware |money |number and |when (in the page's ``zone``)
i18n.install(TEMPLATES.env)
TEMPLATES.env.globals["state_words"] = {
    "connected": "connected",
    "reconnect_required": "reconnect required",
    "not_connected": "not connected",
}
