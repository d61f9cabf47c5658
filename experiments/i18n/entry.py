"""The shape of a catalogue entry, shared by messages.py and the per-area message modules."""

from __future__ import annotations

from experiments.i18n.language import Lang

Message = str | dict[str, str]  # a template, or plural category -> template
Entry = dict[Lang, Message]
