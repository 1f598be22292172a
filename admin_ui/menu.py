"""The left menu: apps add their pages from `AppConfig.ready()`; the layout draws what the user may open.

admin_ui imports none of the product apps, so entries name URLs, never views.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# Sections in the order Magento shows them, with their icon (bootstrap-icons).
SECTIONS: dict[str, tuple[str, str]] = {
    "dashboard": (_("Dashboard"), "speedometer2"),
    "sales": (_("Sales"), "currency-dollar"),
    "channels": (_("Channels"), "shop"),
}


@dataclass(frozen=True)
class MenuEntry:
    section: str
    label: str
    url_name: str
    permission: str | None = None
    order: int = 100


@dataclass
class MenuItem:
    label: str
    url: str
    active: bool = False


@dataclass
class MenuSection:
    key: str
    label: str
    icon: str
    items: list[MenuItem] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return any(item.active for item in self.items)


_entries: dict[tuple[str, str], MenuEntry] = {}


def register(section: str, label: str, url_name: str, *, permission: str | None = None, order: int = 100) -> None:
    """Add a page to the menu; registering the same (section, url_name) again replaces it (ready() may rerun)."""
    if section not in SECTIONS:
        raise ValueError(f"unknown menu section {section!r}; one of {sorted(SECTIONS)}")
    _entries[(section, url_name)] = MenuEntry(section, label, url_name, permission, order)


def entries() -> list[MenuEntry]:
    return sorted(_entries.values(), key=lambda e: (list(SECTIONS).index(e.section), e.order, str(e.label)))


def build_menu(request) -> list[MenuSection]:
    """The sections and pages this user may open, the current one marked active."""
    user = getattr(request, "user", None)
    path = request.path
    sections: dict[str, MenuSection] = {}
    best: tuple[int, MenuItem] | None = None
    for entry in entries():
        if entry.permission and not (user and user.has_perm(entry.permission)):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue  # an app registered a page whose URLs are not mounted: leave it out rather than break every page
        label, icon = SECTIONS[entry.section]
        section = sections.setdefault(entry.section, MenuSection(entry.section, label, icon))
        item = MenuItem(entry.label, url)
        section.items.append(item)
        # The longest matching URL prefix is the current page ("/" would match everything).
        matches = path == url or (url != "/" and path.startswith(url))
        if matches and (best is None or len(url) > best[0]):
            best = (len(url), item)
    if best:
        best[1].active = True
    return list(sections.values())
