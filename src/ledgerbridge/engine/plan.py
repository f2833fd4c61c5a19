"""What a run would do, record by record and field by field (the dry-run's answer)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Action = Literal["create", "update", "unchanged", "fail"]


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass
class PlanItem:
    entity: str
    source_key: str
    target_key: str | None
    action: Action
    changes: list[FieldChange] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "source_key": self.source_key,
            "target_key": self.target_key,
            "action": self.action,
            "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in self.changes],
            "error": self.error,
        }
