"""Django's Redis cache, with one Redis client per connection pool instead of one per call.

Django's RedisCacheClient builds a new `redis.Redis` for every cache operation;
redis-py 8 fills some 170 response callbacks in each, which made up most of a
page-cache hit. Clients are safe to share: they take connections from the pool.

`get_from_primary` is the page cache's one read per hit: from the server that
is written to (a replica may lag behind a purge), on a connection the thread
keeps, without taking one from the pool and giving it back.
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
        local = self._local.__dict__
        connection = local.get("connection")
        if connection is None:
            pool = self._get_connection_pool(write=True)
            connection = local["connection"] = pool.connection_class(**pool.connection_kwargs)
        try:
            value = _get(connection, key)
        except self._lib.ConnectionError:
            # Dropped since the last request (Redis restarted, or closed an idle connection): once more, afresh.
            connection.disconnect()
            value = _get(connection, key)
        return default if value is None else self._serializer.loads(value)


def _get(connection, key):
    try:
        connection.send_command("GET", key)
        return connection.read_response()
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
