"""The embedded cache backend: diskcache's, shared by every process of the machine."""

from diskcache import DjangoCache


class SharedDiskCache(DjangoCache):
    """diskcache's Django backend, kept open between requests.

    Django closes every cache when a request finishes; reopening costs diskcache a
    connection and a dozen PRAGMAs per shard touched (10 ms a request, more than the
    page it serves). Its every operation is atomic, and its author's advice is to leave
    it open.
    """

    def close(self, **kwargs):
        pass
