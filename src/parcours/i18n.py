"""Multilingual content stored as ``{lang: text}`` and shown in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils import translation

FALLBACK_ORDER = ("fr", "nl", "en")


def localized(value: Mapping[str, str] | None, language: str | None = None) -> str:
    """The text in `language` (default: the active language), else the first available one."""
    if not value:
        return ""
    lang = (language or translation.get_language() or "fr").split("-")[0]
    if value.get(lang):
        return value[lang]
    for fallback in FALLBACK_ORDER:
        if value.get(fallback):
            return value[fallback]
    return next((text for text in value.values() if text), "")
