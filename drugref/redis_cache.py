"""Django's Redis cache, with one Redis client per connection pool instead of one per call.

Django's RedisCacheClient builds a new `redis.Redis` for every cache operation;
redis-py 8 fills some 170 response callbacks in each, which made up most of a
page-cache hit. Clients are safe to share: they take connections from the pool.

`get_from_primary` is the page cache's one read per hit: from the server that
is written to (a replica may lag behind a purge), on a connection the thread
keeps, without taking one from the pool and giving it back. The API's key check
counts the request in the same round trip (`count_and_get_from_primary`).
"""

import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClients(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}  # connection pool index -> client
        self._local = threading.local()

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def get_from_primary(self, key, default):
        (value,) = self.on_primary(("GET", key))
        return default if value is None else self._serializer.loads(value)

    def count(self, counter, timeout, *also):
        """Add one to `counter`, with the commands `also` in the same round trip; return (count, their replies).

        A counter's first count starts its `timeout` (a second round trip, once per counter).
        """
        count, *replies = self.on_primary(("INCR", counter), *also)
        if count == 1:
            self.on_primary(("EXPIRE", counter, timeout))
        return count, replies

    def on_primary(self, *commands):
        """Send `commands` together and return their replies, on this thread's own connection to the primary."""
        local = self._local.__dict__
        connection = local.get("connection")
        if connection is None:
            pool = self._get_connection_pool(write=True)
            connection = local["connection"] = pool.connection_class(**pool.connection_kwargs)
        try:
            return _send(connection, commands)
        except self._lib.ConnectionError:
            # Dropped since the last request (Redis restarted, or closed an idle connection): once more, afresh.
            connection.disconnect()
            return _send(connection, commands)


def _send(connection, commands):
    try:
        connection.send_packed_command(connection.pack_commands(commands))
        return [connection.read_response() for _ in commands]
    except BaseException:
        connection.disconnect()  # never leave a reply unread on it
        raise


class Cache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClients

    def get_from_primary(self, key, default=None, version=None):
        """`get`, read from the server written to, on this thread's own connection."""
        return self._cache.get_from_primary(self.make_and_validate_key(key, version=version), default)

    def count(self, counter, timeout):
        """Add one to `counter` (kept `timeout` seconds from its first count); return it. One round trip."""
        return self._cache.count(self.make_and_validate_key(counter), timeout)[0]

    def count_and_get_from_primary(self, counter, key, timeout):
        """`count(counter)` and `get_from_primary(key)` in one round trip; return (count, value or None).

        The API's key check counts a request and reads the page cache's purge generation this way.
        """
        count, (value,) = self._cache.count(
            self.make_and_validate_key(counter), timeout, ("GET", self.make_and_validate_key(key))
        )
        return count, None if value is None else self._cache._serializer.loads(value)
