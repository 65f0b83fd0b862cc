"""The background thread the importer prepares batches in."""

import threading

import pytest

from monographs.interchange.fast.background import ahead


def test_items_arrive_in_order_from_another_thread():
    threads = []

    def items():
        for n in range(50):
            threads.append(threading.current_thread())
            yield n

    assert list(ahead(items())) == list(range(50))
    assert threading.current_thread() not in threads


def test_an_error_while_preparing_is_raised_to_the_consumer():
    def items():
        yield 1
        raise ValueError("bad record")

    got = []
    with pytest.raises(ValueError, match="bad record"):
        for item in ahead(items()):
            got.append(item)
    assert got == [1]


def test_a_consumer_that_stops_early_stops_the_producer():
    made = []

    def items():
        for n in range(1000):
            made.append(n)
            yield n

    stream = ahead(items(), depth=2)
    assert next(stream) == 0
    stream.close()
    assert len(made) <= 4
    assert not [t for t in threading.enumerate() if t.name == "import-prepare"]


def test_the_interpreter_switch_interval_is_left_alone():
    import sys

    before = sys.getswitchinterval()
    assert list(ahead(iter(range(3)))) == [0, 1, 2]
    assert sys.getswitchinterval() == before
