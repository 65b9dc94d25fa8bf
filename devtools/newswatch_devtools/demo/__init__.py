"""The newswatch demo without Docker (``make demo``, ``make demo-down``).

Command line::

    python -m newswatch_devtools.demo up [--dir .local/demo] [--kafka-port 9092] ...
    python -m newswatch_devtools.demo down [--dir .local/demo]

Modules: ``plan`` (ports, generated files, settings and the printed summary: pure),
``processes`` (pid files and process groups), ``runner`` (start, watch, stop), ``cli``.
"""

from newswatch_devtools.demo.plan import DemoError, DemoPorts
from newswatch_devtools.demo.runner import DemoOptions, down, up

__all__ = ["DemoError", "DemoOptions", "DemoPorts", "down", "up"]
