"""Write the dashboards of deploy/grafana/dashboards, or check that the committed ones are current.

python -m newswatch_devtools.grafana            # write (make dashboards)
python -m newswatch_devtools.grafana --check    # exit 1 when a committed file differs
"""

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from grafana_foundation_sdk.cog.encoder import JSONEncoder

from newswatch_devtools.grafana.overview import overview
from newswatch_devtools.grafana.provisioning import prometheus_source
from newswatch_devtools.repo import ROOT

DASHBOARDS_DIR = ROOT / "deploy" / "grafana" / "dashboards"


def rendered() -> dict[str, str]:
    """Each dashboard's file name and JSON text, as the generator writes it."""
    board = overview(prometheus_source())
    text = json.dumps(board, cls=JSONEncoder, indent=2, ensure_ascii=False) + "\n"
    return {"newswatch-overview.json": text}


def stale(directory: Path = DASHBOARDS_DIR) -> list[str]:
    """The dashboard files in ``directory`` that differ from the generator's output, or that
    the generator does not write."""
    wanted = rendered()
    present = {path.name for path in directory.glob("*.json")}
    differ = [
        name
        for name, text in wanted.items()
        if not (directory / name).exists() or (directory / name).read_text(encoding="utf-8") != text
    ]
    return sorted({*differ, *(present - set(wanted))})


def main(argv: Sequence[str] | None = None) -> int:
    """Write the dashboards, or with ``--check`` report the stale ones and return 1."""
    parser = argparse.ArgumentParser(prog="python -m newswatch_devtools.grafana")
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    if args.check:
        outdated = stale()
        for name in outdated:
            print(f"{DASHBOARDS_DIR / name} is not what the generator writes: run make dashboards")
        return 1 if outdated else 0
    for name, text in rendered().items():
        (DASHBOARDS_DIR / name).write_text(text, encoding="utf-8")
        print(DASHBOARDS_DIR / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
