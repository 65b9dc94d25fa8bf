"""``python -m newswatch_devtools.local_broker start|stop|status --dir DIR``."""

import sys

from newswatch_devtools.local_broker.cli import main

sys.exit(main())
