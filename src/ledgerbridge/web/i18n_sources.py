"""Every English text the console shows, collected for the catalogues (and for the test that fails when one
is missing from a language): the templates' ``_()``/``{% trans %}`` strings, the console's own messages
(``_(request, "…")`` in the modules of ``web/console/``), the service layer's and the systems' message
templates (``N_("…")`` anywhere in the package: a ``Message``'s or ``UserError``'s template; the English
catalogue rewords those that name a CLI command), the kinds' setting and connection titles,
descriptions and choice labels (pydantic ``Field(title=, description=)``, ``Literal`` values), and the words
shown through ``|t`` (states, statuses, record kinds, the systems' names as sides).

``python -m ledgerbridge.web.i18n_sources`` writes ``web/locale/console.pot`` and merges it into each
language's ``console.po`` (new texts arrive untranslated; translations already there are kept).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from ledgerbridge.web import i18n
from ledgerbridge.web.forms import humanize

TEMPLATES = Path(__file__).with_name("templates")
CONSOLE = Path(__file__).with_name("console")  # the console's page groups, one module each
PACKAGE = Path(__file__).parent.parent  # src/ledgerbridge: every module may raise a Message

# Words the templates pass through ``|t``: states, statuses, kinds of run, records and documents.
WORDS = (
    # connection states
    "connected", "reconnect required", "not connected",
    # transfer states
    "queued", "sending", "sent", "confirmed", "uncertain", "failed",
    # run kinds and statuses
    "startup", "realtime", "scan", "manual", "register", "reconcile", "running", "succeeded", "crashed",
    "interrupted", "partial",
    # error states and operations
    "open", "resolved", "dismissed", "transfer", "sync",
    # start-up plan actions
    "create", "update", "unchanged", "fail", "skip",
    # records and documents
    "customer", "customers", "supplier", "suppliers", "product", "products", "invoice", "invoices",
    "order", "orders", "sales order", "supplier invoice", "supplier_invoice", "customer_invoice",
    "project", "projects", "article", "articles", "payment", "payments", "customer_group", "supplier_group",
    "product_group", "unit", "units", "payment_terms", "employee", "employees", "vat_code",
    # sides: the systems' names as labels to translate (``side|t``, ``_(request, side)``), nothing more
    "economic", "eaccounting", "rackbeat", "severa", "E-conomic", "Rackbeat", "Eaccounting", "Severa",
    # finding kinds (reconcile)
    "missing", "extra", "differs", "drifted", "amounts differ", "only here", "only there",
    # start-up entities
    "payment_term", "bank_account", "company", "layout",
    # what a document became on the other side (console/templating.py _remote_document)
    "booked invoice %(number)s", "draft %(number)s", "invoice %(number)s", "draft",
    # register buttons' status lines (kinds with a data-transfer panel)
    "Customers", "Products", "Projects", "Invoices", "Supplier invoices", "Check sent", "Check paid",
)  # fmt: skip


def template_messages() -> Iterator[str]:
    from jinja2.ext import babel_extract

    for path in sorted(TEMPLATES.glob("*.html")):
        with path.open("rb") as source:
            for _, _, message, _ in babel_extract(source, ("_", "gettext", "ngettext"), [], {}):
                if isinstance(message, str):
                    yield message
                elif message:
                    yield from (m for m in message if m)


def _literal_calls(path: Path, function: str, position: int) -> Iterator[str]:
    """The string literal at ``position`` of each call of ``function`` in the module at ``path``, in the
    order they are written (implicitly joined literals as one)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == function
            and len(node.args) > position
        ):
            argument = node.args[position]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.append((argument.lineno, argument.col_offset, argument.value))
    yield from (text for _, _, text in sorted(found))


def console_messages() -> Iterator[str]:
    """``_(request, "…")`` in the console's modules."""
    for module in sorted(CONSOLE.glob("*.py")):
        yield from _literal_calls(module, "_", 1)


def message_templates() -> Iterator[str]:
    """``N_("…")``: the templates of the messages the services, the runtime and the systems raise."""
    for module in sorted(PACKAGE.rglob("*.py")):
        if "N_(" in module.read_text(encoding="utf-8"):
            yield from _literal_calls(module, "N_", 0)


def _literal_labels(annotation: Any) -> Iterator[str]:
    if get_origin(annotation) is Literal:
        yield from (humanize(str(v)) for v in get_args(annotation))
    elif isinstance(annotation, type) and issubclass(annotation, Enum):
        yield from (humanize(str(m.name).lower()) for m in annotation)
    for inner in get_args(annotation):
        yield from _literal_labels(inner)


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for inner in get_args(annotation):
        yield from _models_in(inner)


def model_messages(model: type[BaseModel], seen: set[type] | None = None) -> Iterator[str]:
    """Titles (or the humanized field name the form falls back to), descriptions and choice labels."""
    seen = seen if seen is not None else set()
    if model in seen:
        return
    seen.add(model)
    for name, info in model.model_fields.items():
        yield info.title or humanize(name)
        if info.description:
            yield info.description
        yield from _literal_labels(info.annotation)
        for inner in _models_in(info.annotation):
            yield from model_messages(inner, seen)


def kind_messages() -> Iterator[str]:
    from ledgerbridge.integrations.base import all_kinds

    for _, kind in sorted(all_kinds().items()):
        yield kind.title
        yield from model_messages(kind.Settings)
        yield from model_messages(kind.Connections)
        for register in getattr(kind, "registers", ()) or ():
            yield "Transfer " + register.replace("-", " ")


def all_messages() -> list[str]:
    """Each text once, in first-seen order."""
    out: dict[str, None] = {}
    sources = (template_messages(), console_messages(), message_templates(), kind_messages(), iter(WORDS))
    for source in sources:
        for message in source:
            if message and message.strip():
                out.setdefault(message, None)
    return list(out)


def po_path(language: str) -> Path:
    return i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


def update_catalogues() -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    template = Catalog(project="ledgerbridge console", domain=i18n.DOMAIN)
    for message in all_messages():
        template.add(message)
    i18n.LOCALE_DIR.mkdir(parents=True, exist_ok=True)
    with (i18n.LOCALE_DIR / f"{i18n.DOMAIN}.pot").open("wb") as out:
        write_po(out, template, width=110, omit_header=False)
    for language in i18n.LANGUAGES:  # English too: its catalogue rewords developer texts only
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as source:
                catalogue = read_po(source, locale=language)
        else:
            catalogue = Catalog(locale=language, project="ledgerbridge console", domain=i18n.DOMAIN)
        catalogue.update(template, no_fuzzy_matching=True)
        with path.open("wb") as out:
            write_po(out, catalogue, width=110, ignore_obsolete=True)


if __name__ == "__main__":
    update_catalogues()
