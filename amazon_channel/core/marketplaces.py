"""Amazon's marketplaces and the SP-API region (endpoint) each is reached through: a store holds marketplaces of one
region, since one seller's refresh token signs in at one endpoint."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

NORTH_AMERICA, EUROPE, FAR_EAST = "na", "eu", "fe"  # models.Region's values


@dataclass(frozen=True)
class Marketplace:
    marketplace_id: str
    domain: str
    country: Promise
    region: str

    @property
    def label(self) -> str:
        return f"{self.domain} ({self.country})"


MARKETPLACES: dict[str, Marketplace] = {
    m.marketplace_id: m
    for m in (
        Marketplace("ATVPDKIKX0DER", "Amazon.com", _("United States"), NORTH_AMERICA),
        Marketplace("A2EUQ1WTGCTBG2", "Amazon.ca", _("Canada"), NORTH_AMERICA),
        Marketplace("A1AM78C64UM0Y8", "Amazon.com.mx", _("Mexico"), NORTH_AMERICA),
        Marketplace("A2Q3Y263D00KWC", "Amazon.com.br", _("Brazil"), NORTH_AMERICA),
        Marketplace("A1F83G8C2ARO7P", "Amazon.co.uk", _("United Kingdom"), EUROPE),
        Marketplace("A1PA6795UKMFR9", "Amazon.de", _("Germany"), EUROPE),
        Marketplace("A13V1IB3VIYZZH", "Amazon.fr", _("France"), EUROPE),
        Marketplace("APJ6JRA9NG5V4", "Amazon.it", _("Italy"), EUROPE),
        Marketplace("A1RKKUPIHCS9HS", "Amazon.es", _("Spain"), EUROPE),
        Marketplace("A1805IZSGTT6HS", "Amazon.nl", _("Netherlands"), EUROPE),
        Marketplace("A2NODRKZP88ZB9", "Amazon.se", _("Sweden"), EUROPE),
        Marketplace("A1C3SOZRARQ6R3", "Amazon.pl", _("Poland"), EUROPE),
        Marketplace("AMEN7PMS3EDWL", "Amazon.com.be", _("Belgium"), EUROPE),
        Marketplace("A28R8C7NBKEWEA", "Amazon.ie", _("Ireland"), EUROPE),
        Marketplace("A33AVAJ2PDY3EV", "Amazon.com.tr", _("Turkey"), EUROPE),
        Marketplace("A21TJRUUN4KGV", "Amazon.in", _("India"), EUROPE),
        Marketplace("ARBP9OOSHTCHU", "Amazon.eg", _("Egypt"), EUROPE),
        Marketplace("A17E79C6D8DWNP", "Amazon.sa", _("Saudi Arabia"), EUROPE),
        Marketplace("A2VIGQ35RCS4UG", "Amazon.ae", _("United Arab Emirates"), EUROPE),
        Marketplace("A1VC38T7YXB528", "Amazon.co.jp", _("Japan"), FAR_EAST),
        Marketplace("A39IBJ37TRP1C6", "Amazon.com.au", _("Australia"), FAR_EAST),
        Marketplace("A19VAU5U5O7RUS", "Amazon.sg", _("Singapore"), FAR_EAST),
    )
}


def marketplace_label(marketplace_id: str) -> str:
    """The marketplace as the merchant knows it ("Amazon.de (Germany)"), or its ID when Amazon's table has no entry."""
    marketplace = MARKETPLACES.get(marketplace_id)
    return marketplace.label if marketplace else marketplace_id


def marketplace_region(marketplace_id: str) -> str | None:
    marketplace = MARKETPLACES.get(marketplace_id)
    return marketplace.region if marketplace else None


def region_choices(region: str) -> list[tuple[str, str]]:
    return [(m.marketplace_id, m.label) for m in MARKETPLACES.values() if m.region == region]
