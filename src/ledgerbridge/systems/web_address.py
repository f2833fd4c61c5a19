"""A document's address in a system's own web app, from a template the operator enters per connection.

None of the four systems documents an address scheme for a document in its web app (each side's module
says what was found), so no link is guessed. An operator who knows the address of a document in their
system enters it once as a template on the connection (``document_address``), e.g.
``https://app.example.com/invoices/{number}``: ``{number}`` is the document's number (the last part of its
key, "1021" of ``booked:1021``), ``{id}`` its id (the first part after the kind, a GUID of
``invoice:<guid>:1021``; the number where the key has only one part). Only https addresses are accepted.

:data:`DocumentAddress` is the field's type (validated where the connection is), :func:`template_address`
the ``Side.web_address`` every side declares: an address only once a template is set. A model declares
the field as ``document_address: DocumentAddress = None``.
"""

from __future__ import annotations

import re
from string import Formatter
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

PLACEHOLDERS = ("number", "id")
#: The kinds a remote key starts with (``booked:1021``, ``draft:17``, ``invoice:<guid>:1021``).
KEY_KINDS = ("booked", "draft", "invoice", "order", "voucher")
MAX_LENGTH = 500


def _check(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if len(value) > MAX_LENGTH:
        raise PydanticCustomError(
            "address_long", "the address is longer than {limit} characters", {"limit": MAX_LENGTH}
        )
    try:
        names = [name for _, name, _, _ in Formatter().parse(value) if name is not None]
    except ValueError:
        raise PydanticCustomError(
            "address_braces", "the address has a '{' or '}' that is not part of {number} or {id}"
        ) from None
    unknown = sorted({n for n in names if n not in PLACEHOLDERS})
    if unknown:
        raise PydanticCustomError(
            "address_placeholder",
            "the address names {unknown}: only {number} and {id} are filled in",
            {"unknown": ", ".join("{" + n + "}" for n in unknown)},
        )
    if not names:
        raise PydanticCustomError(
            "address_no_placeholder", "the address needs {number} or {id} where the document's goes"
        )
    parts = urlsplit(value.replace("{", "").replace("}", ""))
    if parts.scheme != "https" or not parts.hostname or re.search(r"\s", value):
        raise PydanticCustomError("address_https", "the address must be an https:// address")
    return value


#: The optional template field a connection model declares.
DocumentAddress = Annotated[
    str | None,
    AfterValidator(_check),
    Field(
        title="Web address of a document",
        description=(
            "Optional. Where a document opens in this system's web app, with {number} or {id} where the "
            "document's number or id goes, e.g. https://app.example.com/invoices/{number}. Once set, "
            "the console links each document to it."
        ),
    ),
]


def key_parts(key: str) -> dict[str, str]:
    """``{number}`` and ``{id}`` of a document's key as the ledger keeps it."""
    parts = key.split(":")
    if len(parts) > 1 and parts[0] in KEY_KINDS:
        parts = parts[1:]
    return {"number": parts[-1], "id": parts[0]}


def template_address(connection: Any, entity: str, key: str) -> str | None:
    """``Side.web_address``: the connection's template filled in with the key's parts, or None."""
    template = getattr(connection, "document_address", None)
    if not template or not key:
        return None
    values = {name: quote(value, safe="") for name, value in key_parts(key).items()}
    return str(template).format(**values)
