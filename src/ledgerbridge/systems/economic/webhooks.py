"""e-conomic's web hooks as its UI configures them (Settings → Extensions → Web hooks).

e-conomic calls a URL the user enters, with merge fields such as ``[NEWNUMBER]`` and ``[OLDNUMBER]`` in
it, and signs nothing: the URL itself must carry a secret. :data:`URL_WEBHOOKS` tells the runtime which
URLs to hand out and how to read a call; the runtime adds and checks the token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# e-conomic's hook type → the entity it announces
HOOK_ENTITIES = {"CustomerUpdated": "customer", "ProductUpdated": "product", "InvoiceBooked": "invoice"}


class EconomicUrlWebhooks:
    """URLs with merge fields out, ``(event, key, payload)`` in."""

    system = "economic"

    def urls(self, base: str) -> dict[str, str]:
        """One URL per hook type; ``base`` already carries the integration's token as a query parameter."""
        return {
            "CustomerUpdated": f"{base}&type=CustomerUpdated&new=[NEWNUMBER]&old=[OLDNUMBER]",
            "ProductUpdated": f"{base}&type=ProductUpdated&new=[NEWNUMBER]&old=[OLDNUMBER]",
            "InvoiceBooked": f"{base}&type=InvoiceBooked&new=[INVOICENO]",
        }

    def parse(self, params: Mapping[str, str | None]) -> tuple[str, str, dict[str, Any]]:
        """``(event, record key, payload)`` of one call; ValueError when it is not one of ours."""
        hook, new, old = params.get("type"), params.get("new"), params.get("old")
        if hook not in HOOK_ENTITIES or not new:
            raise ValueError("expected type=CustomerUpdated|ProductUpdated|InvoiceBooked and new=<number>")
        return f"economic.{HOOK_ENTITIES[hook]}.updated", new, {"old": old or new, "new": new}


URL_WEBHOOKS = EconomicUrlWebhooks()
