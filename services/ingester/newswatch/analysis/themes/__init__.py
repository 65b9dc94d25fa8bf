"""Themes: the rules file's model, compiled to one keyword automaton, decided and explained.

``rules`` (the themes file), ``compile`` (rules to one automaton and term rules), ``find``
(terms in an item's folded fields), ``decide`` (hits to an outcome per theme), ``match`` (the
themes an item belongs to, with evidence), ``explain`` (why each theme fired or not).
"""

from newswatch.analysis.themes.compile import CompiledTheme, compile_themes
from newswatch.analysis.themes.explain import (
    Decision,
    Masked,
    Overlapped,
    explain,
    format_decisions,
)
from newswatch.analysis.themes.match import match

__all__ = [
    "CompiledTheme",
    "Decision",
    "Masked",
    "Overlapped",
    "compile_themes",
    "explain",
    "format_decisions",
    "match",
]
