"""``python -m newswatch_devtools.grafana``: see newswatch_devtools.grafana.generate."""

import sys

from newswatch_devtools.grafana.generate import main

sys.exit(main())
