"""Where the checkout is: the tools and the tests find deploy files and fixtures from its root."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository's root directory (this package lives in ``ROOT/devtools``)."""
