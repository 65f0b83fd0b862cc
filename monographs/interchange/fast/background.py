"""Run an iterator in a background thread, a few items ahead of its consumer."""

import queue
import threading

_END = object()


def ahead(iterable, depth=2):
    """Yield the items of `iterable`, made by a background thread up to `depth` items ahead.

    The importer prepares the next batch of records in Python while the database
    writes the current one, so both cores work. The iterable must not touch the
    database: a thread gets a connection, and a transaction, of its own.
    """
    items = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item):
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def produce():
        try:
            for item in iterable:
                put((item, None))
                if stop.is_set():
                    return
            put((_END, None))
        except BaseException as error:  # handed to the consumer, raised there
            put((_END, error))

    thread = threading.Thread(target=produce, name="import-prepare", daemon=True)
    thread.start()
    try:
        while True:
            item, error = items.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
    finally:
        stop.set()
        thread.join()
