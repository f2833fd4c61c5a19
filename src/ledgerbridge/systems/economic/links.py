"""e-conomic's custom self-link encoding for identifiers that are not purely alphanumeric.

The legacy REST API replaces a fixed set of characters in resource URLs with ``_<n>_`` tokens (docs:
"Custom resource self-link encoding"); everything else is ordinary percent-encoding. Product numbers
are the identifiers where this matters, e.g. ``"My Awesome Product_Discount5%"`` lives at
``/products/My_9_Awesome_9_Product_8_Discount5_3_``. Shared by the client (to build paths) and the
sandbox (to build ``self`` links and to read path parameters).
"""

from __future__ import annotations

import re
from urllib.parse import quote

_REPLACEMENTS: dict[str, str] = {
    "<": "_0_",
    ">": "_1_",
    "*": "_2_",
    "%": "_3_",
    ":": "_4_",
    "&": "_5_",
    "/": "_6_",
    "\\": "_7_",
    "_": "_8_",
    " ": "_9_",
    "?": "_10_",
    ".": "_11_",
    "#": "_12_",
    "+": "_13_",
}
_DECODE = {token: char for char, token in _REPLACEMENTS.items()}
_TOKEN = re.compile(r"_(\d{1,2})_")


def encode_id(value: str | int) -> str:
    """The URL path segment e-conomic uses for an identifier (``"A 1"`` -> ``"A_9_1"``)."""
    text = str(value)
    out: list[str] = []
    for char in text:
        if char in _REPLACEMENTS:
            out.append(_REPLACEMENTS[char])
        else:
            # Anything else that is not URL-safe is percent-encoded (UTF-8), as the docs say.
            out.append(quote(char, safe="-~"))
    return "".join(out)


def decode_id(segment: str) -> str:
    """The identifier behind a path segment produced by :func:`encode_id` (percent-decoding done first).

    Tokens are decoded left to right, so ``"a_8__9_b"`` is ``"a_ b"``. A ``_<n>_`` that is not one of
    the fourteen tokens is left as it is.
    """

    def replace(match: re.Match[str]) -> str:
        return _DECODE.get(match.group(0), match.group(0))

    return _TOKEN.sub(replace, segment)
