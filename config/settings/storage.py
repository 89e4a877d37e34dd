"""Files: reports (PDF, XLSX), event images, job posting photos, association logos.

Everything goes through Django's storage API (`FieldFile.open`, `.save`, `storage.delete`),
never a local path, so where files live is configuration only:

- by default the local disk under MEDIA_ROOT (one machine, the embedded default);
- S3-compatible object storage (django-storages' S3 backend) when S3_BUCKET is set, so every
  web and worker machine sees the same files. Private objects: no public ACL, and downloads
  go through the pages (their permission checks), which stream the object from the store.
"""

from __future__ import annotations

from typing import Any

from config.env import env


def s3_storage(
    *,
    bucket: str,
    endpoint_url: str = "",
    region: str = "",
    access_key: str = "",
    secret_key: str = "",
    prefix: str = "",
    addressing_style: str = "",
) -> dict[str, Any]:
    """The STORAGES["default"] entry for a bucket. Empty values fall back to boto3's own
    lookup (the instance role or AWS_* variables) and AWS's endpoints."""
    options: dict[str, Any] = {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url or None,
        "region_name": region or None,
        "location": prefix,
        # Private objects; a name already taken gets a suffix, as on the local disk.
        "default_acl": None,
        "file_overwrite": False,
        "querystring_auth": True,
        "querystring_expire": 60,
        # A download larger than this is spooled to a temporary file, not kept in memory.
        "max_memory_size": 8 * 1024 * 1024,
        "addressing_style": addressing_style or None,
    }
    if access_key:
        options["access_key"] = access_key
        options["secret_key"] = secret_key
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


_bucket = env.str("S3_BUCKET", default="")
DEFAULT_FILE_STORAGE_ENTRY: dict[str, Any] = (
    s3_storage(
        bucket=_bucket,
        endpoint_url=env.str("S3_ENDPOINT_URL", default=""),
        region=env.str("S3_REGION", default=""),
        access_key=env.str("S3_ACCESS_KEY_ID", default=""),
        secret_key=env.str("S3_SECRET_ACCESS_KEY", default=""),
        prefix=env.str("S3_PREFIX", default=""),
        addressing_style=env.str("S3_ADDRESSING_STYLE", default=""),
    )
    if _bucket
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
)
