"""Development tools of the newswatch repository, shared by the tests and the benchmarks.

- ``local_broker``: a real single-node Kafka broker (KRaft) run from the jars Maven resolves into
  deploy/kafka/target; also a command line (``python -m newswatch_devtools.local_broker``).
- ``feed_server``, ``hostile_server``, ``live_feed``: HTTP feed servers on loopback that behave,
  misbehave, and keep publishing.
- ``kafka_reader``: reading back what the ingester published.
- ``service``: the real ``newswatch`` command run as a child process.
- ``ports``, ``repo``: a free TCP port; the checkout's root directory.

Not part of the service's wheel: the editable install (``make setup``) puts the ``devtools``
directory on the import path (``dev-mode-dirs`` in pyproject.toml), because these tools only make
sense inside a checkout (the broker needs deploy/kafka, the tests need their fixtures).
"""
