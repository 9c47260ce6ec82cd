"""Where objects live: a bucket (through a boto3 client handed in) or a local directory mirroring one.

Both the Lambda handler and ``lakectl replay`` read raw objects and write curated ones through the
:class:`Store` protocol, so they share one code path. Keys are always ``/``-separated and relative to
the store's root (a bucket, optionally below a prefix; or a directory).

This module never imports boto3: :class:`S3Store` takes a client object created by the caller
(``handler.py`` in the Lambda, lakectl's replay on a workstation), and recognises errors by their
botocore error code.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO, Protocol, runtime_checkable

_COPY_CHUNK = 1024 * 1024


class StoreError(Exception):
    """An infrastructure error talking to a store (not bad data)."""


class ObjectMissing(StoreError, KeyError):
    """The object does not exist (S3 ``NoSuchKey`` / 404, or no such local file)."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where

    def __str__(self) -> str:
        return f"no such object: {self.where}"


@runtime_checkable
class Store(Protocol):
    """The few operations the ETL needs. Keys are relative to the store's root."""

    def open(self, key: str) -> BinaryIO:
        """A binary stream of the object's bytes (read it in chunks, then close it).

        :class:`ObjectMissing` if absent.
        """
        ...

    def size(self, key: str) -> int:
        """The object's size in bytes. :class:`ObjectMissing` if absent."""
        ...

    def read_range(self, key: str, start: int, length: int) -> bytes:
        """``length`` bytes from ``start`` (fewer at the end). :class:`ObjectMissing` if absent."""
        ...

    def read_bytes(self, key: str) -> bytes:
        """The whole object (for small objects: reports, manifests). :class:`ObjectMissing` if absent."""
        ...

    def put_file(self, key: str, fileobj: IO[bytes]) -> None:
        """Store the bytes of ``fileobj`` from its current position to its end under ``key``."""
        ...

    def put_bytes(self, key: str, data: bytes) -> None:
        ...

    def delete(self, key: str) -> None:
        """Remove ``key``; removing an absent key is not an error."""
        ...

    def exists(self, key: str) -> bool:
        ...

    def list(self, prefix: str = "") -> Iterator[str]:
        """Every key starting with ``prefix`` (folder markers ending in ``/`` included), sorted."""
        ...

    def uri(self, key: str = "") -> str:
        """A human-readable location of ``key`` (``s3://bucket/key`` or a path), for messages."""
        ...


# --------------------------------------------------------------------------------------------- local


class LocalStore:
    """A directory whose files mirror a bucket's keys (``uploads/users/2026/11/27/a.json``).

    Writes are atomic: a temporary file in the target's directory, then ``os.replace``; a reader
    never sees half an object and a crash leaves no partial output under a real key. Temporary
    files are named ``.<name>.<random>.tmp`` (a leading dot, so readers such as Athena skip them).
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def spec(self) -> tuple[str, str]:
        """A picklable description from which :func:`store_from_spec` rebuilds this store."""
        return ("local", str(self.root))

    def _path(self, key: str) -> Path:
        if not key or key.startswith("/") or "\\" in key:
            raise ValueError(f"invalid key {key!r}")
        parts = key.split("/")
        if any(p in (".", "..") for p in parts):
            raise ValueError(f"invalid key {key!r}: '.' and '..' segments are not keys")
        return self.root.joinpath(*[p for p in parts if p])

    def uri(self, key: str = "") -> str:
        return str(self.root / key) if key else str(self.root)

    def open(self, key: str) -> BinaryIO:
        path = self._path(key)
        try:
            if path.is_dir():
                raise ObjectMissing(str(path))
            if path.exists() and not path.is_file():  # a FIFO or device: open() would block or never end
                raise OSError(f"{path}: not a regular file")
            return open(path, "rb")  # noqa: SIM115 - the caller closes it
        except FileNotFoundError:
            raise ObjectMissing(str(path)) from None
        except NotADirectoryError:
            raise ObjectMissing(str(path)) from None

    def size(self, key: str) -> int:
        path = self._path(key)
        try:
            st = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectMissing(str(path)) from None
        if not path.is_file():
            raise ObjectMissing(str(path))
        return st.st_size

    def read_range(self, key: str, start: int, length: int) -> bytes:
        with self.open(key) as f:
            f.seek(start)
            return f.read(length)

    def read_bytes(self, key: str) -> bytes:
        with self.open(key) as f:
            return f.read()

    def put_file(self, key: str, fileobj: IO[bytes]) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(fileobj, out, _COPY_CHUNK)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise

    def put_bytes(self, key: str, data: bytes) -> None:
        self.put_file(key, io.BytesIO(data))

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError):
            return
        except IsADirectoryError:
            return
        # Tidy empty folders up to the root, as a bucket has no folders to leave behind.
        parent = path.parent
        while parent != self.root and self.root in parent.parents:
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except ValueError:
            return False

    def list(self, prefix: str = "") -> Iterator[str]:
        if not self.root.is_dir():
            return iter(())
        keys: list[str] = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames.sort()
            rel = os.path.relpath(dirpath, self.root)
            base = "" if rel == "." else rel.replace(os.sep, "/") + "/"
            # Prune folders that cannot hold a key under the prefix.
            dirnames[:] = [
                d for d in dirnames
                if (base + d + "/").startswith(prefix) or prefix.startswith(base + d + "/")
            ]
            for name in filenames:
                key = base + name
                if key.startswith(prefix):
                    keys.append(key)
        return iter(sorted(keys))


# ---------------------------------------------------------------------------------------------- s3


def _error_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code is not None else None
    return None


_MISSING_CODES = {"NoSuchKey", "404", "NotFound"}


class S3Store:
    """A bucket (optionally below a prefix) through a boto3 S3 client passed in by the caller.

    Reads stream the ``GetObject`` body; uploads use ``upload_fileobj`` (multipart for big files) and
    ``put_object`` for small bytes. A missing object raises :class:`ObjectMissing`; every other AWS
    error (``NoSuchBucket``, ``AccessDenied``, throttling) propagates unchanged, so the Lambda retries.
    """

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def __repr__(self) -> str:
        return f"S3Store(s3://{self.bucket}/{self.prefix})"

    def spec(self) -> tuple[str, str, str]:
        return ("s3", self.bucket, self.prefix)

    def _k(self, key: str) -> str:
        return self.prefix + key

    def uri(self, key: str = "") -> str:
        return f"s3://{self.bucket}/{self.prefix}{key}"

    def _get(self, key: str, **kwargs: Any) -> Any:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._k(key), **kwargs)
        except Exception as e:
            if _error_code(e) in _MISSING_CODES:
                raise ObjectMissing(self.uri(key)) from None
            raise

    def open(self, key: str) -> BinaryIO:
        body = self._get(key)["Body"]
        return _StreamingBodyReader(body)  # type: ignore[return-value]

    def size(self, key: str) -> int:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._k(key))
        except Exception as e:
            if _error_code(e) in _MISSING_CODES:
                raise ObjectMissing(self.uri(key)) from None
            raise
        return int(head["ContentLength"])

    def read_range(self, key: str, start: int, length: int) -> bytes:
        if length <= 0:
            return b""
        try:
            resp = self._get(key, Range=f"bytes={start}-{start + length - 1}")
        except Exception as e:
            if _error_code(e) == "InvalidRange":
                return b""
            raise
        body = resp["Body"]
        try:
            return body.read()
        finally:
            body.close()

    def read_bytes(self, key: str) -> bytes:
        body = self._get(key)["Body"]
        try:
            return body.read()
        finally:
            body.close()

    def put_file(self, key: str, fileobj: IO[bytes]) -> None:
        self.client.upload_fileobj(fileobj, self.bucket, self._k(key))

    def put_bytes(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._k(key), Body=data)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._k(key))

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._k(key))
        except Exception as e:
            if _error_code(e) in _MISSING_CODES:
                return False
            raise
        return True

    def list(self, prefix: str = "") -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        keys: list[str] = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._k(prefix)):
            for obj in page.get("Contents", ()):
                keys.append(obj["Key"][len(self.prefix):])
        return iter(sorted(keys))


class _StreamingBodyReader(io.RawIOBase):
    """A file-like view of a botocore ``StreamingBody`` (read in chunks; not seekable)."""

    def __init__(self, body: Any) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self._body.read(len(b))
        n = len(data)
        b[:n] = data
        return n

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return self._body.read()
        return self._body.read(size)

    def close(self) -> None:
        try:
            self._body.close()
        finally:
            super().close()


class RangeFile(io.RawIOBase):
    """A read-only, seekable file over a store object that fetches only the ranges read.

    pyarrow reads a Parquet footer through it with two small range requests, never the data pages.
    """

    def __init__(self, store: Store, key: str, size: int | None = None) -> None:
        self._store = store
        self._key = key
        self._size = store.size(key) if size is None else size
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self._size + offset
        else:
            raise ValueError(f"bad whence {whence}")
        if pos < 0:
            raise ValueError("negative seek position")
        self._pos = pos
        return pos

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self._size - self._pos
        size = min(size, max(0, self._size - self._pos))
        if size == 0:
            return b""
        data = self._store.read_range(self._key, self._pos, size)
        self._pos += len(data)
        return data

    @property
    def size(self) -> int:
        return self._size


def store_from_spec(spec: tuple[str, ...], client_factory: Any = None) -> LocalStore | S3Store:
    """Rebuild a store from :meth:`LocalStore.spec` / :meth:`S3Store.spec` (for worker processes).

    ``client_factory()`` makes the S3 client for an ``s3`` spec; this module cannot make one itself.
    """
    if spec[0] == "local":
        return LocalStore(spec[1])
    if spec[0] == "s3":
        if client_factory is None:
            raise ValueError("an s3 store needs a client factory")
        return S3Store(client_factory(), spec[1], spec[2])
    raise ValueError(f"unknown store spec {spec!r}")


__all__ = [
    "Store",
    "StoreError",
    "ObjectMissing",
    "LocalStore",
    "S3Store",
    "RangeFile",
    "store_from_spec",
]
