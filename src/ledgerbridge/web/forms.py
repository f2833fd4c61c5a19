"""Forms generated from an integration kind's pydantic models: its settings page and its connection forms.

Every field becomes a widget chosen by its type (checkbox, drop-down, number, text, password, a list of
checkboxes, a table editor for dict settings, or a JSON box for anything else), labelled with the field's
``title`` and explained with its ``description``. ``IntegrationKind.setting_choices`` turns a field into a
drop-down; table editors take their rows, columns and cell choices from it too (see its docstring).

Inputs are named by the setting's dotted path (``supplier_invoices.day_book``); a table's cells by the path,
the row's index and the column (``accounting.account_matrix.3.eu``) with the row's key in ``….3.key``.
:func:`parse_form` turns the posted form back into the document the model validates.
"""

from __future__ import annotations

import json
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import AnyUrl, BaseModel, SecretStr
from pydantic.fields import FieldInfo

Choices = Mapping[str, Sequence[tuple[str, str]]]
EXTRA_ROWS = 3  # empty rows a table with free keys offers for new entries


@dataclass
class Widget:
    path: str
    kind: str  # group | checkbox | select | number | text | password | url | multi | mapping | matrix | json
    label: str
    help: str | None = None
    value: Any = None
    options: list[tuple[str, str]] = field(default_factory=list)
    required: bool = False
    errors: list[str] = field(default_factory=list)
    children: list[Widget] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)  # mapping / matrix rows
    columns: list[tuple[str, str]] = field(default_factory=list)  # matrix columns
    free_keys: bool = False  # a table whose rows the user names
    secret_stored: bool = False

    @property
    def anchor(self) -> str:
        return "f-" + self.path.replace(".", "-")


def humanize(name: str) -> str:
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _literal_options(annotation: Any) -> list[tuple[str, str]] | None:
    if get_origin(annotation) is Literal:
        return [(str(v), humanize(str(v))) for v in get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [(str(m.value), humanize(str(m.name).lower())) for m in annotation]
    return None


def _is_scalar(annotation: Any) -> bool:
    annotation, _ = _unwrap_optional(annotation)
    return annotation in (int, float, str, Decimal, bool) or _literal_options(annotation) is not None


def _scalar_kind(annotation: Any) -> str:
    if annotation is bool:
        return "checkbox"
    if annotation in (int, float, Decimal):
        return "number"
    if annotation is SecretStr:
        return "password"
    if isinstance(annotation, type) and issubclass(annotation, AnyUrl):
        return "url"
    return "text"


def _display(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return ""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if value is None:
        return ""
    return value if isinstance(value, (bool, list, dict)) else str(value)


def _with_current(options: Sequence[tuple[str, str]], current: Any) -> list[tuple[str, str]]:
    """The choices, plus the stored value if the system no longer lists it (so saving keeps it)."""
    listed = list(options)
    if current not in (None, "") and str(current) not in {v for v, _ in listed}:
        listed.append((str(current), f"{current} (not found in the connected system)"))
    return listed


def _sort_key(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdigit() else (1 << 62, key)


def build_widgets(
    model: type[BaseModel],
    values: Mapping[str, Any] | None,
    *,
    prefix: str = "",
    choices: Choices | None = None,
    order: Sequence[str] = (),
    secrets_stored: bool = False,
) -> list[Widget]:
    """A widget per field of ``model`` (nested models become groups), filled with ``values``."""
    choices = choices or {}
    values = values or {}
    names = [n for n in order if n in model.model_fields] + [n for n in model.model_fields if n not in order]
    return [
        _widget(name, model.model_fields[name], values.get(name), prefix, choices, secrets_stored)
        for name in names
    ]


def _widget(
    name: str, info: FieldInfo, value: Any, prefix: str, choices: Choices, secrets_stored: bool
) -> Widget:
    path = f"{prefix}.{name}" if prefix else name
    annotation, optional = _unwrap_optional(info.annotation)
    label = info.title or humanize(name)
    widget = Widget(path=path, kind="text", label=label, help=info.description)
    widget.required = info.is_required()
    if value is None and not info.is_required():
        default = info.get_default(call_default_factory=True)
        value = default.model_dump(mode="json") if isinstance(default, BaseModel) else default

    if _is_model(annotation):
        widget.kind = "group"
        widget.children = build_widgets(
            annotation,
            value if isinstance(value, Mapping) else {},
            prefix=path,
            choices=choices,
            secrets_stored=secrets_stored,
        )
        return widget

    options = _literal_options(annotation)
    if options is not None:
        widget.kind = "select"
        widget.options = options
        widget.value = _display(value)
        return widget

    origin = get_origin(annotation)
    if origin in (list, set, tuple) and get_args(annotation):
        item_options = _literal_options(get_args(annotation)[0]) or (
            list(choices[path]) if path in choices else None
        )
        if item_options is not None:
            widget.kind = "multi"
            widget.options = item_options
            widget.value = [str(v) for v in (value or [])]
            return widget

    if origin is dict and len(get_args(annotation)) == 2:
        _, value_type = get_args(annotation)
        inner, _ = _unwrap_optional(value_type)
        current = dict(value or {})
        if get_origin(inner) is dict and len(get_args(inner)) == 2:
            column_options = _literal_options(get_args(inner)[0])
            cell_type, _ = _unwrap_optional(get_args(inner)[1])
            if column_options is not None and _is_scalar(cell_type):
                labels = dict(choices.get(f"{path}.*.keys", []))
                widget.kind = "matrix"
                widget.columns = [(key, labels.get(key, text)) for key, text in column_options]
                cell_options = list(choices.get(f"{path}.*.*", []))
                widget.options = cell_options
                _table_rows(widget, current, choices.get(f"{path}.keys"), _scalar_kind(cell_type))
                return widget
        elif _is_scalar(inner):
            widget.kind = "mapping"
            literal = _literal_options(inner)
            widget.options = literal or list(choices.get(f"{path}.*", []))
            _table_rows(widget, current, choices.get(f"{path}.keys"), _scalar_kind(inner))
            return widget

    if _is_scalar(annotation) or annotation is SecretStr or _scalar_kind(annotation) == "url":
        widget.kind = _scalar_kind(annotation)
        if widget.kind == "password":
            widget.secret_stored = secrets_stored
            widget.required = widget.required and not secrets_stored
        widget.value = _display(value)
        if path in choices and widget.kind in ("number", "text"):
            widget.kind = "select"
            widget.options = _with_current(choices[path], widget.value)
            if optional:
                widget.options.insert(0, ("", "— none —"))
        return widget

    widget.kind = "json"
    widget.value = json.dumps(_display(value), indent=2, ensure_ascii=False, default=str)
    return widget


def _table_rows(
    widget: Widget, current: dict[str, Any], row_choices: Sequence[tuple[str, str]] | None, cell_kind: str
) -> None:
    """Rows of a table editor: the known keys (choices) and stored keys; free keys get empty rows too."""
    widget.help = widget.help or None
    labels = dict(row_choices or [])
    keys = list(labels)
    keys += sorted((k for k in current if k not in labels), key=_sort_key)
    widget.free_keys = not row_choices
    widget.rows = [
        {"key": key, "label": labels.get(key, key), "value": current.get(key), "fixed": True} for key in keys
    ]
    if widget.free_keys:
        widget.rows += [{"key": "", "label": "", "value": None, "fixed": False} for _ in range(EXTRA_ROWS)]
    widget.value = cell_kind  # how a cell is typed when it has no choices


def field_title(model: type[BaseModel], path: str) -> str:
    """The title a form shows for the field a problem's dotted ``path`` leads to in ``model`` (a table's
    row and column keys belong to the table's field); the model's own problems have no field: ""."""
    title = ""
    current: Any = model
    for name in path.split(".") if path else []:
        if not _is_model(current) or name not in current.model_fields:
            break
        info = current.model_fields[name]
        title = info.title or humanize(name)
        current, _ = _unwrap_optional(info.annotation)
    return title


def attach_errors(widgets: list[Widget], problems: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Put each problem on the widget its path names; returns the problems no widget claimed."""
    left = list(problems)
    for widget in widgets:
        if widget.kind == "group":
            left = attach_errors(widget.children, left)
            claimed = [p for p in left if p[0] == widget.path]
        else:
            claimed = [p for p in left if p[0] == widget.path or p[0].startswith(widget.path + ".")]
        for path, message in claimed:
            detail = path[len(widget.path) + 1 :] if path != widget.path else ""
            widget.errors.append(f"{detail}: {message}" if detail else message)
        left = [p for p in left if p not in claimed]
    return left


# -- posted form → document ------------------------------------------------------------------------------
def parse_form(model: type[BaseModel], form: Mapping[str, Any], *, prefix: str = "") -> dict[str, Any]:
    """The document a posted form stands for (strings; pydantic converts them when it validates).

    ``form`` maps each input name to its values (a list: multi-selects repeat a name).
    """
    document: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        path = f"{prefix}.{name}" if prefix else name
        annotation, optional = _unwrap_optional(info.annotation)
        if _is_model(annotation):
            document[name] = parse_form(annotation, form, prefix=path)
            continue
        origin = get_origin(annotation)
        if annotation is bool:
            document[name] = _first(form, path) not in (None, "", "off", "false")
            continue
        if origin in (list, set, tuple) and f"{path}.__present__" in form:
            document[name] = [v for v in form.get(path, []) if v != ""]
            continue
        if origin is dict and f"{path}.__present__" in form:
            document[name] = _parse_table(path, form, annotation)
            continue
        raw = _first(form, path)
        if raw is None:
            continue
        plain = _is_scalar(annotation) or annotation is SecretStr or _scalar_kind(annotation) == "url"
        if not plain:  # a JSON box
            try:
                value = json.loads(raw) if raw.strip() else None
            except ValueError:
                value = raw  # pydantic will say what is wrong with it
            if value is not None or optional:
                document[name] = value
            continue
        if raw == "":
            if optional:
                document[name] = None
            continue  # required or defaulted: leave it out so the default or "field required" applies
        document[name] = _literal_value(annotation, raw)
    return document


def _first(form: Mapping[str, Any], name: str) -> str | None:
    values = form.get(name)
    if values is None:
        return None
    if isinstance(values, (list, tuple)):
        return str(values[-1]) if values else None  # a checkbox after its hidden "off" wins
    return str(values)


def _literal_value(annotation: Any, raw: str) -> Any:
    if get_origin(annotation) is Literal:
        for option in get_args(annotation):
            if str(option) == raw:
                return option
    return raw


def _parse_table(path: str, form: Mapping[str, Any], annotation: Any) -> dict[str, Any]:
    _, value_type = get_args(annotation)
    inner, _ = _unwrap_optional(value_type)
    rows: dict[str, dict[str, str]] = {}
    start = f"{path}."
    for name in form:
        if not name.startswith(start):
            continue
        index, _, column = name[len(start) :].partition(".")
        if index.isdigit() and column:
            rows.setdefault(index, {})[column] = _first(form, name) or ""
    table: dict[str, Any] = {}
    for index in sorted(rows, key=int):
        row = rows[index]
        key = row.pop("key", "").strip()
        if get_origin(inner) is dict:
            cells = {c: _literal_value(get_args(inner)[1], v) for c, v in row.items() if v.strip() != ""}
            if key and cells:
                table[key] = cells
        else:
            cell = row.get("value", "").strip()
            if key and cell != "":
                table[key] = _literal_value(inner, cell)
    return table
