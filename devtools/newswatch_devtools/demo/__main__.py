"""``python -m newswatch_devtools.demo up|down``."""

import sys

from newswatch_devtools.demo.cli import main

sys.exit(main())
