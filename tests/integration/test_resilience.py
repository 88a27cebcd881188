"""The listener reconnects and resubscribes by itself; no message shape can crash it."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.models import DeadLetter
from services.ingest import IngestPipeline, Message
from tests.broker import private_broker
from tests.helpers import count, native, recent, wait_until
from tests.integration.test_mqtt import (
    publish_all,
    publisher,
    sensors,
    start_listener,
    stop_listener,
)

pytestmark = pytest.mark.integration


def test_listener_reconnects_and_resubscribes_after_a_broker_restart(
    database, topic_root
):
    euis = sensors(database, 10)
    with private_broker(handle=True) as broker:
        pipeline, listener = start_listener(
            broker.url, database, topic_root, f"hv-test-{uuid.uuid4().hex[:8]}"
        )
        client = publisher(broker.url)
        publish_all(
            client,
            [
                (f"{topic_root}/waste/{e}/up", native(recent(5), fill_pct=5))
                for e in euis
            ],
        )
        assert wait_until(lambda: count(database) == 10)
        client.loop_stop()
        broker.stop()
        assert wait_until(lambda: listener.state == "disconnected")
        broker.start()
        assert wait_until(lambda: listener.state == "connected", timeout=30)
        assert listener.reconnects == 1
        client = publisher(broker.url)
        publish_all(
            client,
            [
                (f"{topic_root}/waste/{e}/up", native(recent(1), fill_pct=9))
                for e in euis
            ],
        )
        assert wait_until(lambda: count(database) == 20)
        client.loop_stop()
        stop_listener(pipeline, listener)


TOPICS = st.one_of(
    st.just("pma/waste/A840410000000001/up"),
    st.builds(lambda s: f"pma/waste/{s}/up", st.text(max_size=20)),
    st.just("v3/app@t/devices/d/up"),
    st.just("pma/vigilance/reports"),
    st.text(max_size=40),
)
PAYLOADS = st.one_of(
    st.binary(max_size=300),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "ts",
                        "distance_mm",
                        "fill_pct",
                        "tilt",
                        "end_device_ids",
                        "uplink_message",
                        "received_at",
                        "battery_pct",
                    ]
                ),
                children,
                max_size=5,
            )
        ),
        max_leaves=10,
    ).map(lambda v: __import__("json").dumps(v).encode()),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(batch=st.lists(st.tuples(TOPICS, PAYLOADS), min_size=1, max_size=8))
def test_no_message_of_any_shape_raises_out_of_the_pipeline(database, batch):
    pipeline = IngestPipeline(database, "pma")
    before = count(database, DeadLetter)
    pipeline.process([Message(topic, payload) for topic, payload in batch])
    refused = count(database, DeadLetter) - before
    assert refused + pipeline.counters.accepted + pipeline.counters.duplicates == len(
        batch
    )
