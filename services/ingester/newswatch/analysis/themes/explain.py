"""Explaining the theme decisions on one item, for a person: ``newswatch match --explain``.

``explain`` gives a ``Decision`` for every theme with at least one hit, fired or not: the
counted evidence, and what kept the theme from firing (a veto, a missing required group, a
score short of the threshold, masked hits, hits without a partner close enough).
``format_decisions`` prints them, each piece of evidence in its context.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from newswatch.analysis.text import FoldedText
from newswatch.analysis.themes.compile import CompiledTheme
from newswatch.analysis.themes.find import Language
from newswatch.analysis.themes.match import evidence, outcomes
from newswatch_schemas import Evidence, TextField


@dataclass(frozen=True, slots=True)
class Masked:
    """A hit that an exclusion took away, and the exclusion's own hit."""

    hit: Evidence
    exclusion: Evidence


@dataclass(frozen=True, slots=True)
class Overlapped:
    """A hit left out because a stronger hit of its group covers the same text."""

    hit: Evidence
    counted: Evidence


@dataclass(frozen=True, slots=True)
class Decision:
    """Why a theme that has some evidence on an item fired or did not."""

    theme: str
    fired: bool
    score: float
    threshold: float
    evidence: tuple[Evidence, ...]
    required_groups: tuple[str, ...]
    missing_groups: tuple[str, ...]
    vetoed_by: Evidence | None
    masked: tuple[Masked, ...]
    too_far: tuple[Evidence, ...]
    overlapped: tuple[Overlapped, ...] = ()

    def reason(self) -> str:
        """One line: why the theme did not fire (empty when it did)."""
        if self.fired:
            return ""
        if self.vetoed_by is not None:
            return (
                f"vetoed by exclusion {self.vetoed_by.rule!r} "
                f"({self.vetoed_by.field} {self.vetoed_by.text!r})"
            )
        if self.missing_groups:
            return "no hit in required group(s): " + ", ".join(self.missing_groups)
        return f"score {self.score:g} is below the threshold {self.threshold:g}"


def explain(
    themes: Sequence[CompiledTheme],
    title: str | FoldedText,
    summary: str | FoldedText,
    *,
    language: Language = None,
) -> list[Decision]:
    """A decision for every theme with at least one hit, fired or not, in configuration order.

    ``language`` is used as given, as by ``match``.
    """
    decisions = []
    for compiled, outcome, texts in outcomes(themes, title, summary, language, detailed=True):
        engine = compiled.engine
        decisions.append(
            Decision(
                theme=compiled.theme.name,
                fired=outcome.fired,
                score=outcome.score,
                threshold=compiled.theme.threshold,
                evidence=tuple(evidence(engine, hit, texts) for hit in outcome.counted),
                required_groups=tuple(sorted(compiled.required_groups)),
                missing_groups=outcome.missing,
                vetoed_by=None if outcome.veto is None else evidence(engine, outcome.veto, texts),
                masked=tuple(
                    Masked(evidence(engine, hit, texts), evidence(engine, mask, texts))
                    for hit, mask in outcome.masked
                ),
                too_far=tuple(evidence(engine, hit, texts) for hit in outcome.too_far),
                overlapped=tuple(
                    Overlapped(evidence(engine, hit, texts), evidence(engine, other, texts))
                    for hit, other in outcome.overlapped
                ),
            )
        )
    return decisions


def _snippet(text: str, start: int, end: int, width: int = 40) -> str:
    """The matched text in brackets with up to ``width`` characters of context each side."""
    before = text[max(0, start - width) : start]
    after = text[end : end + width]
    lead = "…" if start > width else ""
    tail = "…" if end + width < len(text) else ""
    return f"{lead}{before}[{text[start:end]}]{after}{tail}"


def format_decisions(decisions: Sequence[Decision], title: str, summary: str) -> str:
    """A person's view of ``explain``: one block per theme, one line per piece of evidence."""
    fields = {TextField.TITLE: title, TextField.SUMMARY: summary}
    lines: list[str] = []
    for decision in decisions:
        verdict = "MATCH" if decision.fired else "no match"
        required = ", ".join(decision.required_groups) or "none"
        lines.append(
            f"  {decision.theme}: {verdict}, score {decision.score:g} "
            f"(threshold {decision.threshold:g}; required groups: {required})"
        )
        if not decision.fired:
            lines.append(f"    why not: {decision.reason()}")
        for item in decision.evidence:
            lines.append(
                f"    +{item.weight:<4g} {item.term!r} [{item.rule}, {item.language}] "
                f"{item.field} {item.start}-{item.end}: "
                f"{_snippet(fields[item.field], item.start, item.end)}"
            )
        for masked in decision.masked:
            hit = masked.hit
            lines.append(
                f"    masked {hit.term!r} {hit.field} {hit.start}-{hit.end} "
                f"by exclusion {masked.exclusion.rule!r} ({masked.exclusion.text!r}): "
                f"{_snippet(fields[hit.field], hit.start, hit.end)}"
            )
        for overlap in decision.overlapped:
            hit = overlap.hit
            lines.append(
                f"    counted once {hit.term!r} [{hit.rule}, {hit.language}] {hit.field} "
                f"{hit.start}-{hit.end}: overlaps {overlap.counted.term!r}: "
                f"{_snippet(fields[hit.field], hit.start, hit.end)}"
            )
        for hit in decision.too_far:
            lines.append(
                f"    not near enough {hit.term!r} [{hit.rule}] {hit.field} "
                f"{hit.start}-{hit.end}: {_snippet(fields[hit.field], hit.start, hit.end)}"
            )
    return "\n".join(lines) if lines else "  no theme has any evidence"
