"""``AckedProducer.send_all`` over a plain in-memory producer: turns of at most
``max_unacked_records``, outcomes in order, and nothing more sent after a failed turn."""

import asyncio
from typing import Any

from kafka.errors import KafkaTimeoutError
from kafka.future import Future
from prometheus_client import CollectorRegistry

from newswatch.kafka.config import KafkaSettings
from newswatch.kafka.producer import AckedProducer
from newswatch.kafka.sink import OutgoingRecord
from newswatch.observability.metrics import Metrics


class _Producer:
    """Answers each send on the loop's next turn (failing the records of ``failing`` topics),
    and remembers the topics sent and the most records in flight at once."""

    def __init__(self, failing: set[str]) -> None:
        self.failing = failing
        self.sent: list[str] = []
        self.in_flight = 0
        self.most_in_flight = 0

    def send(self, topic: str, **_record: Any) -> Future:
        self.sent.append(topic)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        future = Future()
        asyncio.get_running_loop().call_soon(self._answer, future, topic)
        return future

    def _answer(self, future: Future, topic: str) -> None:
        self.in_flight -= 1
        if topic in self.failing:
            future.failure(KafkaTimeoutError("batch expired"))
        else:
            future.success(object())


class _Probe:
    def __init__(self) -> None:
        self.contacts = 0

    def contact(self) -> None:
        self.contacts += 1


def _records(*topics: str) -> list[OutgoingRecord]:
    return [OutgoingRecord(topic, b"key", b"{}", [("ce_id", b"1")]) for topic in topics]


async def _send(records: list[OutgoingRecord], failing: set[str]) -> tuple[list[Any], _Producer]:
    producer = _Producer(failing)
    metrics = Metrics(CollectorRegistry(), "test")
    probe: Any = _Probe()  # sending calls only the cluster probe's contact()
    acked = AckedProducer(lambda: producer, probe, metrics, KafkaSettings(max_unacked_records=2))
    outcomes = await acked.send_all(records)
    assert metrics.unacked_records._value.get() == 0
    return outcomes, producer


def test_every_record_is_acknowledged_in_turns() -> None:
    outcomes, producer = asyncio.run(_send(_records("a", "b", "a", "b", "a"), set()))
    assert outcomes == [None] * 5
    assert producer.sent == ["a", "b", "a", "b", "a"]
    assert producer.most_in_flight == 2


def test_after_a_failed_turn_the_rest_is_not_sent() -> None:
    outcomes, producer = asyncio.run(_send(_records("a", "bad", "a", "a", "a"), {"bad"}))
    assert outcomes[0] is None
    assert "not acknowledged" in str(outcomes[1])
    assert all("not sent" in str(outcome) for outcome in outcomes[2:])
    assert producer.sent == ["a", "bad"]
