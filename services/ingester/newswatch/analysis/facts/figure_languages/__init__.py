"""The figure vocabularies of the languages other than English, one module per language.

Python modules rather than a YAML file: the lists are part of the grammar (a change to them is
a change to the code, tested with it), they are type-checked, and they cost no loading or
validation at start; ``figure_vocabulary.compile_vocabulary`` folds them once.
"""

from typing import Final

from newswatch.analysis.facts.figure_languages import ar, fa, fr, ps, ru, ur
from newswatch.analysis.facts.figure_vocabulary import Vocabulary

VOCABULARIES: Final[tuple[Vocabulary, ...]] = (
    fa.VOCABULARY,
    ps.VOCABULARY,
    ur.VOCABULARY,
    ar.VOCABULARY,
    ru.VOCABULARY,
    fr.VOCABULARY,
)
