"""Resumable download of one file over HTTP(S): a `.part` file continued with a Range request, checked, renamed."""

from __future__ import annotations

import logging
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from toolkit.errors import InputError
from weights.registry import file_sha256

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (bytes done, bytes in all; 0 when unknown)
TIMEOUT = 15.0  # seconds to connect and between two reads; a stalled server fails instead of hanging
_CHUNK = 1 << 20


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def _open(url: str, offset: int, timeout: float):
    headers = {"User-Agent": "image-animate-toolkit"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)


def _append(response, part: Path, offset: int, total: int, progress: Progress | None) -> None:
    """Write the response body to `part` from `offset` on."""
    done = offset
    with open(part, "ab" if offset else "wb") as out:
        for chunk in iter(lambda: response.read(_CHUNK), b""):
            out.write(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)


def download(url: str, dest: str | os.PathLike[str], sha256: str | None = None, size: int | None = None,
             progress: Progress | None = None, timeout: float = TIMEOUT) -> Path:
    """Download `url` to `dest`, resuming `dest.part`; the file appears only once complete and matching `sha256`.

    A digest mismatch removes the partial file and raises InputError; so does any network failure, with the
    partial file kept for the next attempt.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(dest)
    offset = part.stat().st_size if part.is_file() else 0
    if size is not None and offset > size:
        part.unlink()
        offset = 0
    try:
        try:
            response = _open(url, offset, timeout)
        except urllib.error.HTTPError as exc:
            if exc.code != 416 or not offset:  # 416: nothing left past `offset`, the part is already whole
                raise
            log.info("%s: the partial file is already complete", dest.name)
        else:
            with response:
                length = int(response.headers.get("Content-Length") or 0)
                if offset and response.status == 206:
                    match = re.match(r"bytes (\d+)-", response.headers.get("Content-Range", ""))
                    if not match or int(match.group(1)) != offset:
                        raise InputError(f"{url} answered a resumed download with the wrong range; "
                                         f"delete {part} and try again.")
                    log.info("resuming %s at %d bytes", dest.name, offset)
                else:
                    offset = 0  # the server sent the whole file
                _append(response, part, offset, size or (offset + length), progress)
    except urllib.error.HTTPError as exc:
        raise InputError(f"Could not download {url}: HTTP {exc.code} {exc.reason}.") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = getattr(exc, "reason", None) or exc
        kept = part.stat().st_size if part.is_file() else 0
        resume = f" to resume ({kept} bytes kept)" if kept else ""
        raise InputError(f"Could not download {url} ({reason}); check the network and run the same command "
                         f"again{resume}.") from None
    if sha256 is not None and file_sha256(part) != sha256.strip().lower():
        part.unlink()
        raise InputError(f"The download of {url} does not match its published SHA-256; it was removed, "
                         "nothing was installed. Try again, and report it if it happens twice.")
    os.replace(part, dest)
    return dest
