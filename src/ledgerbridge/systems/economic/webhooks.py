"""e-conomic's web hooks as its UI configures them (Settings → Extensions → Web hooks).

e-conomic calls a URL the user enters, with merge fields such as ``[NEWNUMBER]`` and ``[OLDNUMBER]`` in
it, by GET or by POST as the user chose, and signs nothing: the URL itself must carry a secret.
:data:`URL_WEBHOOKS` tells the runtime which URLs to hand out and how to read a call; the runtime adds and
checks the token. A call's query parameters arrive here whole (``/webhooks/economic/{name}`` is the same
route every system's web hooks use); which of them mean something is e-conomic's affair:
:data:`QUERY_PARAMETERS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# e-conomic's hook type → the entity it announces
HOOK_ENTITIES = {"CustomerUpdated": "customer", "ProductUpdated": "product", "InvoiceBooked": "invoice"}
# The query parameters a call carries besides the token: the hook type and the merge fields' values.
HOOK_TYPE, NEW_NUMBER, OLD_NUMBER = "type", "new", "old"
QUERY_PARAMETERS = (HOOK_TYPE, NEW_NUMBER, OLD_NUMBER)


class EconomicUrlWebhooks:
    """URLs with merge fields out, ``(event, key, payload)`` in."""

    system = "economic"

    def urls(self, base: str) -> dict[str, str]:
        """One URL per hook type; ``base`` already carries the integration's token as a query parameter."""
        numbers = f"{NEW_NUMBER}=[NEWNUMBER]&{OLD_NUMBER}=[OLDNUMBER]"
        return {
            "CustomerUpdated": f"{base}&{HOOK_TYPE}=CustomerUpdated&{numbers}",
            "ProductUpdated": f"{base}&{HOOK_TYPE}=ProductUpdated&{numbers}",
            "InvoiceBooked": f"{base}&{HOOK_TYPE}=InvoiceBooked&{NEW_NUMBER}=[INVOICENO]",
        }

    def parse(self, params: Mapping[str, str | None]) -> tuple[str, str, dict[str, Any]]:
        """``(event, record key, payload)`` of one call, from all of its query parameters (others than
        :data:`QUERY_PARAMETERS` are ignored); ValueError when it is not one of ours."""
        hook, new, old = (params.get(p) for p in QUERY_PARAMETERS)
        if hook not in HOOK_ENTITIES or not new:
            raise ValueError("expected type=CustomerUpdated|ProductUpdated|InvoiceBooked and new=<number>")
        return f"economic.{HOOK_ENTITIES[hook]}.updated", new, {"old": old or new, "new": new}


URL_WEBHOOKS = EconomicUrlWebhooks()
