"""Media in S3-compatible object storage (django-storages), each object with its lifetime.

Imported only when AWS_STORAGE_BUCKET_NAME is set, so django-storages stays optional.
"""

from storages.backends.s3 import S3Storage

from newsroom.media import YEAR, max_age


class MediaS3Storage(S3Storage):
    """S3Storage whose objects carry the Cache-Control that the site gives local media."""

    def get_object_parameters(self, name):
        parameters = super().get_object_parameters(name)
        seconds = max_age(name)
        immutable = ", immutable" if seconds == YEAR else ""
        parameters.setdefault("CacheControl", f"public, max-age={seconds}{immutable}")
        return parameters
