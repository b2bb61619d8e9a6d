import os
import socket

import pytest

from tests.conftest import NetworkAccessError


def test_hf_is_offline_with_a_temporary_home():
    assert (
        os.environ["HF_HUB_OFFLINE"] == os.environ["HF_DATASETS_OFFLINE"] == os.environ["TRANSFORMERS_OFFLINE"] == "1"
    )
    assert "w2s-test-hf-" in os.environ["HF_HOME"]


def test_opening_a_network_socket_fails():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with pytest.raises(NetworkAccessError):
        s.connect(("93.184.216.34", 80))
    s.close()


def test_hub_loading_fails_fast_offline():
    from w2s_lib.data import load_items

    with pytest.raises(Exception) as e:
        load_items("sciq", "train", 10, 0)
    assert not isinstance(e.value, NetworkAccessError)  # refused by offline mode, before any socket
