"""The weights registry: well-formed entries, the cache directory, checksum verification."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from toolkit.errors import InputError
from weights.registry import REGISTRY, Checkpoint, cache_dir, get, local_path, verify_file

HEX64 = re.compile(r"[0-9a-f]{64}")


def test_entries_are_well_formed() -> None:
    assert {"sam_vit_b", "sam_vit_l", "sam_vit_h"} <= set(REGISTRY)
    for name, entry in REGISTRY.items():
        assert isinstance(entry, Checkpoint) and entry.name == name
        assert entry.url.startswith("https://") and entry.url.endswith(entry.filename)
        assert entry.sha256 is None or HEX64.fullmatch(entry.sha256)
        assert isinstance(entry.size_bytes, int) and entry.size_bytes > 0
        assert entry.licence and entry.description
        assert isinstance(entry.commercial_use, bool)
        assert "/" not in entry.filename
    assert len({e.filename for e in REGISTRY.values()}) == len(REGISTRY)


def test_sam_entries_match_the_official_files() -> None:
    for suffix in ("b_01ec64", "l_0b3195", "h_4b8939"):
        entry = REGISTRY[f"sam_vit_{suffix[0]}"]
        assert entry.url == f"https://dl.fbaipublicfiles.com/segment_anything/sam_vit_{suffix}.pth"
        assert entry.licence == "Apache-2.0" and entry.commercial_use
    sizes = [REGISTRY[n].size_bytes for n in ("sam_vit_b", "sam_vit_l", "sam_vit_h")]
    assert sizes == sorted(sizes)


def test_cache_dir_honours_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TOOLKIT_WEIGHTS_DIR", str(tmp_path))
    assert cache_dir() == tmp_path
    assert local_path("sam_vit_b") is None
    target = tmp_path / REGISTRY["sam_vit_b"].filename
    target.write_bytes(b"stand-in")
    assert local_path("sam_vit_b") == target
    monkeypatch.delenv("TOOLKIT_WEIGHTS_DIR")
    assert cache_dir() == Path("~/.cache/image-animate-toolkit/weights").expanduser()


def test_unknown_name_is_an_input_error() -> None:
    with pytest.raises(InputError, match="sam_vit_b"):
        get("no-such-model")
    with pytest.raises(InputError):
        local_path("no-such-model")


def test_verify_file(tmp_path: Path) -> None:
    path = tmp_path / "blob.bin"
    data = bytes(range(256)) * 9000  # several read chunks
    path.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    assert verify_file(path, digest)
    assert verify_file(path, digest.upper())
    assert not verify_file(path, "0" * 64)
    assert not verify_file(tmp_path / "missing.bin", digest)
    assert verify_file(path, None)
