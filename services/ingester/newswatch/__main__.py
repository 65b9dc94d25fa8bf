"""The ``newswatch`` command's entry point (``python -m newswatch``, and the console script).

It imports nothing at module level, on purpose: the analysis workers are spawned processes,
and a spawned process first imports its parent's main module again. Were that the whole CLI
(``newswatch.cli``: Kafka, HTTP, metrics, every command), each worker would carry some 15 MiB
it never uses (``benchmarks/freshness_bench.py`` counts the whole process tree's memory).
"""


def main() -> int:
    """Run the ``newswatch`` command; its exit code."""
    from newswatch.cli import main as command  # noqa: PLC0415 - see the module docstring

    return command()


if __name__ == "__main__":
    raise SystemExit(main())
