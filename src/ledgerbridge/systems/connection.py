"""What every system's connection model shares: unknown keys refused, and a request timeout.

A connection model (``systems/<name>/connection.py``) is what a person types into the console to reach
one account of one system: addresses, credentials (``SecretStr``: never in reprs or logs), the timeout.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    """Settings and connection models refuse keys they do not know: a typo is an error, not a default."""

    model_config = ConfigDict(extra="forbid")


# Every side's connection has one: a request that hangs longer is given up and retried (connect, read and
# write each get this long), so a stalled remote slows one document down instead of holding up the rest.
ClientTimeout = Annotated[
    float,
    Field(
        gt=0,
        le=600,
        title="Request timeout (seconds)",
        description="How long one request to this system may take before it is given up and retried.",
    ),
]
