from __future__ import annotations

from collections.abc import Mapping

from django import template

from parcours.i18n import localized as _localized

register = template.Library()


@register.filter
def localized(value: Mapping[str, str] | None) -> str:
    """Multilingual content in the reader's language, with the usual fallback."""
    return _localized(value)
