"""A local single-node Apache Kafka broker (KRaft), run as a plain JVM process on 127.0.0.1.

The broker's jars come from Maven Central through ``deploy/kafka/pom.xml`` (``make setup``
resolves them into deploy/kafka/target/kafka-libs; ``start()`` does it if they are missing); no
Docker is involved. Library use::

    broker = LocalBroker(Path("/tmp/kafka"))
    broker.start()            # returns "127.0.0.1:PORT", also broker.bootstrap_servers
    ...
    broker.stop()

Command line::

    python -m newswatch_devtools.local_broker start --dir DIR [--port 9092]  # prints 127.0.0.1:PORT
    python -m newswatch_devtools.local_broker status --dir DIR
    python -m newswatch_devtools.local_broker stop --dir DIR

Modules: ``broker`` (the process's life), ``config`` (server.properties), ``classpath`` (the
jars), ``java`` (the launcher), ``probe`` (readiness), ``processes`` (is a pid our broker),
``cli``.
"""

from newswatch_devtools.local_broker.broker import LocalBroker
from newswatch_devtools.local_broker.cli import main
from newswatch_devtools.local_broker.errors import BrokerError
from newswatch_devtools.local_broker.probe import probe_kafka

__all__ = ["BrokerError", "LocalBroker", "main", "probe_kafka"]
