"""Known checkpoints: where they come from, their checksum, size and licence, and where they are cached.

No network access happens here; downloading is a separate, explicit step.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import InputError

ENV_VAR = "TOOLKIT_WEIGHTS_DIR"
DEFAULT_CACHE = Path("~/.cache/image-animate-toolkit/weights")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Checkpoint:
    """One downloadable checkpoint file."""

    name: str  # key in REGISTRY
    url: str  # where it is published
    filename: str  # name of the file in the cache directory
    sha256: str | None  # hex digest of the file, None when no checksum is published
    size_bytes: int
    licence: str  # SPDX identifier
    commercial_use: bool  # whether the licence allows commercial use
    description: str


# Segment Anything (Kirillov et al., 2023), released by Meta AI under Apache-2.0. URLs and file names
# are the ones listed in the "Model Checkpoints" section of github.com/facebookresearch/segment-anything;
# the SHA-256 digests and byte sizes of those exact files are the values pinned by independent projects
# that verify these downloads (micro-sam's model registry among them); they agree with one another.
_SAM_BASE = "https://dl.fbaipublicfiles.com/segment_anything/"


def _sam(encoder: str, filename: str, sha256: str, size_bytes: int, note: str) -> Checkpoint:
    """A Segment Anything checkpoint (all are Apache-2.0 and published side by side)."""
    return Checkpoint(
        name=f"sam_{encoder}",
        url=_SAM_BASE + filename,
        filename=filename,
        sha256=sha256,
        size_bytes=size_bytes,
        licence="Apache-2.0",
        commercial_use=True,
        description=f"Segment Anything, {note}",
    )


REGISTRY: dict[str, Checkpoint] = {
    c.name: c
    for c in (
        _sam("vit_b", "sam_vit_b_01ec64.pth", "ec2df62732614e57411cdcf32a23ffdf28910380d03139ee0f4fcbe91eb8c912",
             375_042_383, "ViT-B image encoder (91M parameters): click-to-mask, fastest."),
        _sam("vit_l", "sam_vit_l_0b3195.pth", "3adcc4315b642a4d2101128f611684e8734c41232a17c648ed1693702a49a622",
             1_249_524_607, "ViT-L image encoder (308M parameters): click-to-mask."),
        _sam("vit_h", "sam_vit_h_4b8939.pth", "a7bf3b02f3ebf1267aba913ff637d9a2d5c33d3173bb679e46d9f338c26f262e",
             2_564_550_879, "ViT-H image encoder (636M parameters): click-to-mask, best masks."),
    )
}


def get(name: str) -> Checkpoint:
    """The registry entry called `name`, or InputError listing the known names."""
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise InputError(f"Unknown checkpoint '{name}'; known checkpoints: {known}.") from None


def cache_dir() -> Path:
    """Directory of downloaded checkpoints: $TOOLKIT_WEIGHTS_DIR or ~/.cache/...; not created here."""
    override = os.environ.get(ENV_VAR, "").strip()
    return Path(override or DEFAULT_CACHE).expanduser()


def cache_path(name: str) -> Path:
    """Where the checkpoint called `name` lives once downloaded (it may not exist)."""
    return cache_dir() / get(name).filename


def local_path(name: str) -> Path | None:
    """Path of the cached checkpoint called `name` if the file is there, else None."""
    path = cache_path(name)
    return path if path.is_file() else None


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_file(path: str | os.PathLike[str], sha256: str | None) -> bool:
    """True if the file exists and matches `sha256`; with sha256=None only existence is checked."""
    if not Path(path).is_file():
        return False
    if sha256 is None:
        return True
    return file_sha256(path) == sha256.strip().lower()


def first_cached(names: tuple[str, ...]) -> Checkpoint | None:
    """The first of `names` whose file is in the cache, or None."""
    for name in names:
        if local_path(name) is not None:
            return get(name)
    return None
