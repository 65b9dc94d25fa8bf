"""Reading the feeds file and the themes file: YAML in, validated models out.

Every error names the file, the line and the field, so an operator can go straight to it.
"""

from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from newswatch.common.errors import ConfigError

Location = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)
LocatedProblem = tuple[Location, str]
"""A problem found after validation (``(("feeds", 3, "url"), "repeats feeds[0].url")``)."""


def bundled_file(name: str) -> Path:
    """Path of a configuration file shipped inside the package (``defaults/NAME``)."""
    return Path(str(resources.files("newswatch") / "defaults" / name))


def load_yaml_model(
    path: Path,
    model: type[ModelT],
    checks: Callable[[ModelT], list[LocatedProblem]] | None = None,
) -> ModelT:
    """Read ``path`` as YAML and validate it as ``model``; errors are located by line.

    ``checks`` finds problems that span entries (a repeated name): each is reported at the
    line of the location it names, not at the line of the list that holds it.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror}", path=path) from error
    except UnicodeDecodeError as error:
        raise ConfigError(f"not UTF-8 text: {error.reason}", path=path) from error
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise yaml_error(error, path) from error
    lines = dict(_node_lines(node, ())) if node is not None else {}
    try:
        loaded = model.model_validate(data if data is not None else {})
    except ValidationError as error:
        raise _located_error(error, path, lines) from error
    problems = checks(loaded) if checks is not None else []
    if problems:
        raise _located_problems(problems, path, lines)
    return loaded


def yaml_error(error: yaml.YAMLError, path: Path) -> ConfigError:
    """A YAML syntax error at the line where the parser found it, with the line of the
    construct it was reading when that is another line (an unclosed ``[`` two lines up)."""
    problem_mark = getattr(error, "problem_mark", None)
    context_mark = getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    line = problem_mark.line + 1 if problem_mark is not None else None
    if context_mark is not None and line is None:
        line = context_mark.line + 1
    detail = ""
    if context and context_mark is not None and context_mark.line + 1 != line:
        detail = f" ({context} at line {context_mark.line + 1})"
    return ConfigError(f"invalid YAML: {problem}{detail}", path=path, line=line)


def _located_problems(
    problems: list[LocatedProblem], path: Path, lines: dict[Location, int]
) -> ConfigError:
    """One ConfigError for the problems of ``checks``, the first one's line leading."""
    located = [(_line_of(location, lines), _dotted(location), text) for location, text in problems]
    first_line, first_field, first_text = located[0]
    extra = "".join(
        f"\n  {ConfigError(text, path=path, line=line, field=field)}"
        for line, field, text in located[1:]
    )
    return ConfigError(f"{first_text}{extra}", path=path, line=first_line, field=first_field)


def _node_lines(node: yaml.Node, location: Location) -> Iterator[tuple[Location, int]]:
    """Yield the 1-based line of every mapping key and sequence item under ``node``."""
    yield location, node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = (*location, str(key.value))
            yield child, key.start_mark.line + 1
            yield from ((loc, ln) for loc, ln in _node_lines(value, child) if loc != child)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _node_lines(item, (*location, index))


def _located_error(error: ValidationError, path: Path, lines: dict[Location, int]) -> ConfigError:
    """Turn pydantic's errors into one ConfigError whose first line is the first problem."""
    details = [_describe(item, path, lines) for item in error.errors()]
    first = error.errors()[0]
    line, field = _locate(first, lines)
    extra = "".join(f"\n  {text}" for text in details[1:])
    return ConfigError(f"{first['msg']}{extra}", path=path, line=line, field=field)


def _describe(item: ErrorDetails, path: Path, lines: dict[Location, int]) -> str:
    line, field = _locate(item, lines)
    return str(ConfigError(item["msg"], path=path, line=line, field=field))


def _locate(item: ErrorDetails, lines: dict[Location, int]) -> tuple[int | None, str]:
    """The line of the deepest part of the error's location that exists in the file."""
    location: Location = tuple(part for part in item["loc"] if not _is_union_tag(part))
    return _line_of(location, lines), _dotted(location)


def _line_of(location: Location, lines: dict[Location, int]) -> int | None:
    """The line of ``location``, or of its nearest enclosing part that is in the file."""
    while location:
        if location in lines:
            return lines[location]
        location = location[:-1]
    return lines.get(())


def _is_union_tag(part: str | int) -> bool:
    """pydantic inserts the chosen union member (``str``, ``WeightedTerm``) into locations."""
    return isinstance(part, str) and (part[:1].isupper() or part in {"str", "float", "int"})


def _dotted(location: Location) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text
