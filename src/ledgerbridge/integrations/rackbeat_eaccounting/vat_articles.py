"""Companion articles for lines whose VAT differs from their article's coding (settings: VAT codings).

eAccounting takes an invoice row's VAT from its article's account coding; a draft row cannot say its own
rate. A Rackbeat line at 0 % or 12 % for a product whose article is coded 25 % is therefore sent on a
companion article: the product's number with ``-V`` and the rate (``5020-V0``), same name, unit and
price, with the coding the settings choose for that rate. It is made once and found by its number after.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledgerbridge.engine.streams import MappingError, Record
from ledgerbridge.integrations.converters import money_or_zero, round2
from ledgerbridge.integrations.rackbeat_eaccounting.mappers.product import vat_fraction
from ledgerbridge.integrations.rackbeat_eaccounting.to_eaccounting import EAccountingCatalog
from ledgerbridge.systems.eaccounting import EAccountingClient

ROUNDING_ARTICLE = "AVRUNDNING"


def percent_key(value: Any) -> str:
    """``25``, ``25.0`` and ``"25.00"`` all say the same rate: "25"."""
    return f"{Decimal(str(value if value is not None else 0)).normalize():f}"


class VatArticles:
    def __init__(
        self, eaccounting: EAccountingClient, catalog: EAccountingCatalog, codings: dict[str, str]
    ) -> None:
        self.eaccounting = eaccounting
        self.catalog = catalog
        self.codings = {percent_key(rate): coding for rate, coding in codings.items()}
        self._articles: dict[str, Record] = {}  # eAccounting article id or number → the article

    def forget(self) -> None:
        self._articles.clear()

    def _by_id(self, article_id: str) -> Record:
        if article_id not in self._articles:
            self._articles[article_id] = self.eaccounting.get(f"articles/{article_id}")
        return self._articles[article_id]

    def _by_number(self, number: str) -> Record | None:
        if number not in self._articles:
            query = f"Number eq '{number.replace(chr(39), chr(39) * 2)}'"
            found = next(iter(self.eaccounting.iter_collection("articles", filter=query)), None)
            if found is None:
                return None
            self._articles[number] = found
        return self._articles[number]

    def rounding_article(self) -> str | None:
        """The VAT-free article rounding rows go on ("AVRUNDNING", coded as the settings code 0 % lines),
        made once; None when no coding is chosen for 0 %."""
        wanted = self.codings.get("0")
        coding = self.catalog.first("articleaccountcodings", [wanted]) if wanted else None
        if coding is None:
            return None
        found = self._by_number(ROUNDING_ARTICLE)
        if found is None:
            found = self.eaccounting.create(
                "articles",
                {
                    "Number": ROUNDING_ARTICLE,
                    "Name": "Öresavrundning",
                    "CodingId": str(coding["Id"]),
                    "UnitId": self._any_unit(),
                    "NetPrice": Decimal(0),
                    "GrossPrice": Decimal(0),
                    "IsActive": True,
                    "IsStock": False,
                },
            )
            self._articles[ROUNDING_ARTICLE] = found
        return str(found["Id"])

    def _any_unit(self) -> str | None:
        units = self.catalog.records("units")
        return str(units[0]["Id"]) if units else None

    def article_for(self, item: Any, line: Record, article_id: str, *, domestic: bool) -> str:
        """The article a line is sent on: its product's, or the companion for the line's VAT rate."""
        rate = percent_key(line.get("vat_percentage"))
        wanted = self.codings.get(rate)
        if wanted is None or (rate == "0" and not domestic):
            return article_id  # unmapped, or a foreign 0 % line (eAccounting exempts it by the customer)
        article = self._by_id(article_id)
        own = self.catalog.by_id("articleaccountcodings", article.get("CodingId"))
        if own is not None and percent_key(vat_fraction(own) * 100) == rate:
            return article_id
        coding = self.catalog.first("articleaccountcodings", [wanted])
        if coding is None:
            raise MappingError(
                f"the VAT coding chosen for {rate}% lines ({wanted}) is not in eAccounting: choose another "
                "under Invoice settings → VAT codings"
            )
        number = f"{item}-V{rate}"[:40]
        companion = self._by_number(number)
        if companion is None:
            net = round2(money_or_zero(article.get("NetPrice")))
            companion = self.eaccounting.create(
                "articles",
                {
                    "Number": number,
                    "Name": str(article.get("Name") or item)[:50],
                    "CodingId": str(coding["Id"]),
                    "UnitId": article.get("UnitId"),
                    "NetPrice": net,
                    "GrossPrice": round2(net * (1 + vat_fraction(coding))),
                    "IsActive": True,
                    "IsStock": False,
                },
            )
            self._articles[number] = companion
        return str(companion["Id"])
