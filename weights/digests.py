"""Digests recorded on this machine and a record of files already verified, so a large file is hashed once.

Both live in the weights cache ($TOOLKIT_WEIGHTS_DIR): `recorded/NAME.json` holds the SHA-256 of each file of a
hub model as fetched (for files whose digest the registry does not pin), and `verified.json` holds, per file,
the digest it matched with its size and modification time: a file whose size and time are unchanged since it
last matched is not hashed again; any change makes the next check hash it.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from weights.registry import cache_dir, file_sha256

log = logging.getLogger(__name__)

RECORDED_DIR = "recorded"
VERIFIED_FILE = "verified.json"


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_json(path: Path, data: dict) -> None:
    """Write atomically (temporary file, then rename); a cache that cannot be written is only logged."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not write %s: %s", path, exc)


def recorded_path(name: str) -> Path:
    return cache_dir() / RECORDED_DIR / f"{name}.json"


def load_recorded(name: str, revision: str) -> dict[str, str]:
    """Digests recorded for hub model `name` at snapshot `revision` ({relative path: sha256}); {} if none."""
    data = _read_json(recorded_path(name))
    if data.get("revision") != revision or not isinstance(data.get("files"), dict):
        return {}
    return {str(k): str(v) for k, v in data["files"].items()}


def save_recorded(name: str, revision: str, files: dict[str, str]) -> None:
    _write_json(recorded_path(name), {"revision": revision, "files": files})


def _stamp_key(path: Path) -> tuple[str, os.stat_result]:
    real = path.resolve()  # hub snapshots hold symbolic links to blobs: stamp the blob
    return str(real), real.stat()


def _stamp_of(sha256: str, stat: os.stat_result) -> dict:
    return {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def stamp(path: str | os.PathLike[str], sha256: str) -> None:
    """Record that the file's SHA-256 is `sha256`, already computed by the caller: the file is not read."""
    key, stat = _stamp_key(Path(path))
    stamps_path = cache_dir() / VERIFIED_FILE
    stamps = _read_json(stamps_path)
    stamps[key] = _stamp_of(sha256.strip().lower(), stat)
    _write_json(stamps_path, stamps)


def matches(path: str | os.PathLike[str], sha256: str, *, force: bool = False) -> bool:
    """True if the file's SHA-256 is `sha256`; hashed only when changed since it last matched (or `force`)."""
    sha256 = sha256.strip().lower()
    key, stat = _stamp_key(Path(path))
    stamps_path = cache_dir() / VERIFIED_FILE
    stamps = _read_json(stamps_path)
    stamp = stamps.get(key)
    if not force and stamp == _stamp_of(sha256, stat):
        return True
    if stat.st_size >= 1 << 28:
        log.info("checking the SHA-256 of %s (%.1f GB)", path, stat.st_size / 1e9)
    ok = file_sha256(key) == sha256
    if ok:
        stamps[key] = _stamp_of(sha256, stat)
    else:
        stamps.pop(key, None)
    if ok or stamp is not None:
        _write_json(stamps_path, stamps)
    return ok
