"""Sections other apps add to a seizure's page, without seizures importing them.

An app registers a function ``(request, seizure) -> SafeString | None`` (HTML from
``render_to_string``, or None to add nothing) in its ``AppConfig.ready``; the detail page
shows the sections in registration order after its own. Referrals show a seizure's
referrals this way.
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


def render(request, seizure) -> list[SafeString]:
    sections = []
    for panel in _panels:
        html = panel(request, seizure)
        if html:
            # Only a rendered template counts as HTML; a plain string is shown as text.
            sections.append(html if isinstance(html, SafeString) else escape(html))
    return sections
