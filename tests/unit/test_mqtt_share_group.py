"""MQTT_SHARED_GROUP: which subscription an ingest worker makes."""

from __future__ import annotations

import pytest

from services.config import load_config
from services.ingest import IngestPipeline
from services.mqtt_listener import MqttListener, share_group


def test_unset_means_a_plain_subscription_and_a_name_a_share_group():
    assert share_group(None) is None
    assert share_group("") is None
    assert share_group(False) is None
    assert share_group(True) == "hypervision"
    assert share_group(" ingest ") == "ingest"


@pytest.mark.parametrize("bad", ["a/b", "a+", "#"])
def test_a_group_name_with_topic_characters_is_refused_in_french(bad):
    with pytest.raises(ValueError, match="MQTT_SHARED_GROUP invalide"):
        share_group(bad)


def test_the_worker_settings_carry_the_group_and_the_queue_bound(monkeypatch):
    monkeypatch.setenv("MQTT_SHARED_GROUP", "hypervision")
    monkeypatch.setenv("INGEST_MAX_QUEUE", "1000")
    settings = load_config()
    assert settings["MQTT_SHARED_GROUP"] == "hypervision"
    assert settings["INGEST_MAX_QUEUE"] == 1000
    monkeypatch.delenv("MQTT_SHARED_GROUP")
    assert load_config()["MQTT_SHARED_GROUP"] is None


def test_the_listener_subscribes_through_share_with_a_group():
    subscribed = []

    class Client:
        def subscribe(self, topics):
            subscribed.extend(topic for topic, _qos in topics)

    pipeline = IngestPipeline(database=None, topic_root="pma")
    listener = MqttListener("mqtt://127.0.0.1:1", pipeline, "pma", shared="grp")

    class Code:
        is_failure = False

    listener._on_connect(Client(), None, None, Code(), None)
    assert subscribed == [
        "$share/grp/pma/waste/+/up",
        "$share/grp/v3/+/devices/+/up",
        "$share/grp/pma/vigilance/reports",
    ]
