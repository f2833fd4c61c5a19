"""The two exceptions the sandbox's data layer raises; the app turns them into Laravel's bodies."""

from __future__ import annotations

from typing import Any


class SandboxValidationError(Exception):
    """The data is invalid; ``errors`` is the Laravel map the API answers with a 422."""

    def __init__(self, errors: dict[str, list[str]], message: str | None = None) -> None:
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors
        # Laravel's ValidationException also carries a top-level "message"; the API adds it when set.
        self.message = message


class SandboxNotFoundError(Exception):
    """No record with that key; ``message`` is Laravel's ModelNotFoundException text."""

    def __init__(self, model: str, key: Any) -> None:
        self.message = f"No query results for model [App\\Models\\{model}] {key}"
        super().__init__(self.message)
