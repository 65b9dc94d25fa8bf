"""The classifier's part of a decision, for a person: ``match --explain`` and ``evaluate``."""

from newswatch_schemas import ThemeMatch


def describe_opinion(match: ThemeMatch, indent: str = "    ") -> list[str]:
    """Lines saying that the classifier decided ``match``, with its probability and the
    nearest development examples; none when the rules decided it."""
    opinion = match.classifier
    if opinion is None:
        return []
    lines = [
        f"{indent}decided by the classifier: probability {opinion.probability:.3f} "
        f">= {opinion.threshold:g} (the rules' score {match.score:g} did not fire it)"
    ]
    lines.extend(
        f"{indent}  nearest: {example.id} ({example.similarity:.3f}) {example.title}"
        for example in opinion.nearest
    )
    return lines
