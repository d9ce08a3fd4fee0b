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


def test_hub_models_are_well_formed() -> None:
    from weights.registry import HUB_MODELS

    expected = {"svd", "svd_xt", "wan2.1_i2v_480p", "wan2.1_i2v_720p", "wan2.2_ti2v_5b", "wan2.2_i2v_a14b",
                "animatediff_v1_5_3", "animatediff_sparsectrl_rgb", "ltx_video"}
    assert expected <= set(HUB_MODELS) and not set(HUB_MODELS) & set(REGISTRY)
    for name, model in HUB_MODELS.items():
        assert model.name == name and re.fullmatch(r"[\w.-]+/[\w.-]+", model.repo_id)
        assert model.revision is None or re.fullmatch(r"[0-9a-f]{40}", model.revision)
        paths = [f.path for f in model.files]
        assert len(set(paths)) == len(paths) and model.marker in paths
        assert all(f.sha256 is None or HEX64.fullmatch(f.sha256) for f in model.files)
        assert all(not p.startswith("/") and ".." not in p for p in paths + list(model.patterns))
        assert model.licence and model.description and isinstance(model.commercial_use, bool)
        assert model.size_bytes is None or model.size_bytes > 0
        assert model.allow_patterns[: len(paths)] == paths


def test_hub_licences() -> None:
    from weights.registry import HUB_MODELS

    for name in ("svd", "svd_xt"):
        svd = HUB_MODELS[name]
        assert svd.licence == "stable-video-diffusion-community" and "US$1M" in svd.commercial_terms
        assert svd.pipeline == "StableVideoDiffusionPipeline"
        assert all(".fp16." in f.path for f in svd.files if f.path.endswith(".safetensors"))  # fp16 variant only
        assert svd.variant == "fp16"
    for name in ("wan2.1_i2v_480p", "wan2.1_i2v_720p", "wan2.2_ti2v_5b"):
        assert HUB_MODELS[name].licence == "Apache-2.0" and HUB_MODELS[name].commercial_use


def test_entry_finds_both_kinds() -> None:
    from weights.registry import HUB_MODELS, entry, names

    assert entry("sam_vit_b") is REGISTRY["sam_vit_b"] and entry("svd") is HUB_MODELS["svd"]
    assert names()[:3] == ["sam_vit_b", "sam_vit_l", "sam_vit_h"] and "ltx_video" in names()
    with pytest.raises(InputError, match="svd_xt"):
        entry("svd-xl")
