"""What a process of the service imports: the rules' path runs without numpy (the semantic
extra's), and a spawned analysis worker does not load the CLI again."""

import subprocess
import sys
import textwrap


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_service_and_its_workers_run_the_rules_without_numpy() -> None:
    result = _run(
        """
        import sys
        from datetime import UTC, datetime
        sys.modules["numpy"] = None  # any import of numpy now fails
        import newswatch.__main__, newswatch.app, newswatch.cli
        from newswatch.analysis.config import TextSettings
        from newswatch.analysis.engine import Analyzer
        from newswatch.analysis.facts.gazetteer import compile_gazetteer
        from newswatch.analysis.items import FeedContext
        from newswatch.analysis.prepare import Preparation
        from newswatch.analysis.semantic.config import SemanticSettings, second_opinion
        from newswatch.analysis.stories import StoryConfig
        from newswatch.analysis.themes.compile import compile_themes
        from newswatch.analysis.themes.rules import load_themes
        from newswatch.service.analysis_job import DocumentJob, run_job
        opinion = second_opinion(SemanticSettings(enabled="off"))
        themes = compile_themes(load_themes(None)[1])
        analyzer = Analyzer(themes, compile_gazetteer(), opinion=opinion)
        preparation = Preparation(analyzer, TextSettings(), StoryConfig())
        body = (
            b"<rss version='2.0'><channel><title>t</title><item><title>Taliban fighters "
            b"attacked a checkpoint in Kunduz, killing 12 soldiers</title>"
            b"<link>http://example.test/1</link></item></channel></rss>"
        )
        url = "http://example.test/feed"
        feed = FeedContext(url=url, name="t", base_url=url, language="")
        job = DocumentJob(
            body, url, "application/rss+xml", url, 100, feed, datetime.now(UTC), frozenset()
        )
        (entry,) = run_job(preparation, job).new
        print(entry.item.themes)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "('taliban_attacks',)"


def test_the_entry_point_imports_nothing_of_the_cli() -> None:
    result = _run(
        """
        import sys
        import newswatch.__main__
        print(sorted(name for name in sys.modules if name.startswith("newswatch")))
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['newswatch', 'newswatch.__main__']"
