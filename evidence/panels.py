"""Sections other apps add to an evidence item's page, without evidence importing them.

As for seizures (``seizures.panels``): an app registers ``(request, item) -> SafeString |
None`` in its ``AppConfig.ready``; the item page shows the sections after its own. Forensic
work shows an item's tasks and offers to request one this way.
"""

from collections.abc import Callable

from django.utils.html import escape
from django.utils.safestring import SafeString

Panel = Callable[..., str | None]
_panels: list[Panel] = []


def register(panel: Panel) -> Panel:
    if panel not in _panels:
        _panels.append(panel)
    return panel


def render(request, item) -> list[SafeString]:
    sections = []
    for panel in _panels:
        html = panel(request, item)
        if html:
            sections.append(html if isinstance(html, SafeString) else escape(html))
    return sections
