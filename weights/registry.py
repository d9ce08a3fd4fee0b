"""Known checkpoints: where they come from, their checksum, size and licence, and where they are cached.

Two kinds: single files downloaded from a URL (`Checkpoint`, in REGISTRY) and models kept in Hugging Face hub
repositories (`HubModel`, in HUB_MODELS), downloaded with huggingface_hub into its usual cache.
No network access happens here; downloading is a separate, explicit step (weights.manager.fetch).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import InputError

ENV_VAR = "TOOLKIT_WEIGHTS_DIR"
DEFAULT_CACHE = Path("~/.cache/image-animate-toolkit/weights")
HF_CACHE_VARS = ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE")  # same precedence as huggingface_hub
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



@dataclass(frozen=True)
class HubFile:
    """One file of a hub repository that a pipeline needs."""

    path: str  # relative to the repository root, "/"-separated
    sha256: str | None = None  # the LFS SHA-256 shown on the file's hub page, None when not published here
    size_bytes: int | None = None  # as shown on the hub (rounded to 3 significant figures), for display only


@dataclass(frozen=True)
class HubModel:
    """A diffusers model kept in a Hugging Face hub repository, downloaded with huggingface_hub.

    `files` must all be present; `patterns` select whole component folders whose file names (shards, tokenizer
    files) are not pinned here: each must match at least one file, and every shard named by a present
    `*.index.json` must be present. Files without a digest here are checked against the digest recorded on
    this machine when they were fetched (huggingface_hub verifies each LFS download against the hub's
    SHA-256, which the cache keeps as the blob's name).
    """

    name: str
    repo_id: str  # "owner/name"
    revision: str | None  # pinned commit, or None to follow "main"
    files: tuple[HubFile, ...]
    patterns: tuple[str, ...]
    size_bytes: int | None  # approximate total download, None when not known
    licence: str
    commercial_use: bool  # whether at least some commercial use is allowed without a separate agreement
    description: str
    commercial_terms: str = ""  # the conditions, when commercial use is conditional
    pipeline: str = ""  # the diffusers pipeline class; "" for a single component (adapter, controlnet)
    variant: str | None = None  # the weight files' diffusers variant ("fp16"): pass it to from_pretrained

    @property
    def marker(self) -> str:
        """The file that makes a folder loadable: model_index.json for a pipeline, config.json for a component."""
        return "model_index.json" if self.pipeline else "config.json"

    @property
    def allow_patterns(self) -> list[str]:
        """What to download: the exact files, then the component folders."""
        return [f.path for f in self.files] + list(self.patterns)


_GB, _MB = 1_000_000_000, 1_000_000

# Stable Video Diffusion (Blattmann et al., 2023). Stability AI moved both repositories from the non-commercial
# licence to the "stable-video-diffusion-community" licence (the Stability AI Community License) in 2024.
# File names, sizes and LFS SHA-256 digests are those on the repositories' hub pages (diffusers weights added in
# PR #6 / #22); the fp16 variants are what `from_pretrained(..., variant="fp16")` loads.
_SVD_TERMS = ("only under the Stability AI Community License (free for organisations under US$1M annual "
              "revenue; above that an Enterprise licence from Stability AI)")


def _svd(name: str, repo: str, revision: str | None, unet_sha: str, vae_sha: str | None, frames: int) -> HubModel:
    """An SVD image-to-video pipeline in fp16 (both repositories share one layout)."""
    return HubModel(
        name=name, repo_id=repo, revision=revision,
        files=(
            HubFile("model_index.json"),
            HubFile("feature_extractor/preprocessor_config.json"),
            HubFile("image_encoder/config.json"),
            HubFile("image_encoder/model.fp16.safetensors", None, 1_260 * _MB),
            HubFile("scheduler/scheduler_config.json"),
            HubFile("unet/config.json"),
            HubFile("unet/diffusion_pytorch_model.fp16.safetensors", unet_sha, 3_050 * _MB),
            HubFile("vae/config.json"),
            HubFile("vae/diffusion_pytorch_model.fp16.safetensors", vae_sha, 196 * _MB),
        ),
        patterns=(),
        size_bytes=4_510 * _MB,
        licence="stable-video-diffusion-community",
        commercial_use=True,
        commercial_terms=_SVD_TERMS,
        pipeline="StableVideoDiffusionPipeline",
        variant="fp16",
        description=f"Stable Video Diffusion image-to-video, {frames} frames at 1024x576 (fp16 weights).",
    )


# Wan 2.1 / 2.2 (Wan team, Alibaba), Apache-2.0. Diffusers-format repositories: the transformer and the UMT5
# text encoder are sharded, so their folders are fetched whole and the shards come from the index files.
_WAN_COMMON = ("scheduler/scheduler_config.json", "text_encoder/config.json", "transformer/config.json",
               "vae/config.json")


def _wan_i2v(name: str, repo: str, resolution: str, shard_digests: tuple[HubFile, ...], size: str) -> HubModel:
    """A Wan 2.1 14B image-to-video pipeline (CLIP image encoder, UMT5 text encoder, 14B transformer)."""
    return HubModel(
        name=name, repo_id=repo, revision=None,
        files=(HubFile("model_index.json"), HubFile("image_encoder/config.json"),
               HubFile("image_processor/preprocessor_config.json"),
               *(HubFile(p) for p in _WAN_COMMON),
               HubFile("transformer/diffusion_pytorch_model.safetensors.index.json"),
               *shard_digests),
        patterns=("image_encoder/*", "text_encoder/*", "tokenizer/*", "transformer/*", "vae/*"),
        size_bytes=None,
        licence="Apache-2.0",
        commercial_use=True,
        pipeline="WanImageToVideoPipeline",
        description=f"Wan 2.1 image-to-video 14B at {resolution} ({size}); needs a large GPU.",
    )


_HUB_ENTRIES: tuple[HubModel, ...] = (
    _svd("svd", "stabilityai/stable-video-diffusion-img2vid", "9cf024d5bfa8f56622af86c884f26a52f6676f2e",
         "cb552818963e736506c6693ffc279d59df423d63aced38902ea4373ab1fd2932", None, 14),
    _svd("svd_xt", "stabilityai/stable-video-diffusion-img2vid-xt", None,
         "9fbc02e90f37d422f5e3a4aeaee95f6629dc8c45ca211b951626e930daf2bddf",
         "af602cd0eb4ad6086ec94fbf1438dfb1be5ec9ac03fd0215640854e90d6463a3", 25),
    _wan_i2v("wan2.1_i2v_480p", "Wan-AI/Wan2.1-I2V-14B-480P-Diffusers", "480p", (
        HubFile("transformer/diffusion_pytorch_model-00010-of-00014.safetensors",
                "86f4c9bf482b87b9b6c931c734b283c0f7327ab2ba15afc5a3c924decc5b5293", 4_850 * _MB),
        HubFile("transformer/diffusion_pytorch_model-00012-of-00014.safetensors",
                "668374699d704a57a21905276f74627b3a2d79f674a64dc09196774f5b287d1f", 4_850 * _MB),
    ), "fp32 transformer in 14 shards of up to 4.85 GB, roughly 80 GB in all"),
    _wan_i2v("wan2.1_i2v_720p", "Wan-AI/Wan2.1-I2V-14B-720P-Diffusers", "720p", (),
             "same layout as the 480p model, roughly 80 GB"),
    HubModel(
        name="wan2.2_ti2v_5b", repo_id="Wan-AI/Wan2.2-TI2V-5B-Diffusers", revision=None,
        files=(HubFile("model_index.json"), *(HubFile(p) for p in _WAN_COMMON),
               HubFile("text_encoder/model.safetensors.index.json")),
        patterns=("text_encoder/*", "tokenizer/*", "transformer/*", "vae/*"),
        size_bytes=None,
        licence="Apache-2.0",
        commercial_use=True,
        pipeline="WanPipeline",
        description=("Wan 2.2 text/image-to-video 5B at 720p, 24 fps (UMT5 text encoder 11.4 GB in 3 shards, "
                     "5B transformer, high-compression VAE); the smallest Wan."),
    ),
    HubModel(
        name="wan2.2_i2v_a14b", repo_id="Wan-AI/Wan2.2-I2V-A14B-Diffusers", revision=None,
        files=(HubFile("model_index.json"), *(HubFile(p) for p in _WAN_COMMON), HubFile("transformer_2/config.json")),
        patterns=("text_encoder/*", "tokenizer/*", "transformer/*", "transformer_2/*", "vae/*"),
        size_bytes=None,
        licence="Apache-2.0",
        commercial_use=True,
        pipeline="WanImageToVideoPipeline",
        description=("Wan 2.2 image-to-video A14B at 720p: two 14B experts (transformer for high noise, "
                     "transformer_2 for low noise); needs a very large GPU or offloading."),
    ),
    # AnimateDiff (Guo et al., 2023): code and weights released under Apache-2.0 (github.com/guoyww/AnimateDiff);
    # the diffusers repositories carry no licence tag of their own. They plug into a Stable Diffusion 1.5 base
    # model, which has its own licence (CreativeML OpenRAIL-M) and is not part of these entries.
    HubModel(
        name="animatediff_v1_5_3", repo_id="guoyww/animatediff-motion-adapter-v1-5-3",
        revision="2e8139b1d1269fd8a21deb96ad19455e187692eb",
        files=(HubFile("config.json"), HubFile("diffusion_pytorch_model.fp16.safetensors", None, 1_670 * _MB)),
        patterns=(), size_bytes=1_670 * _MB, licence="Apache-2.0", commercial_use=True, variant="fp16",
        description="AnimateDiff v3 motion adapter for Stable Diffusion 1.5 (MotionAdapter, fp16).",
    ),
    HubModel(
        name="animatediff_sparsectrl_rgb", repo_id="guoyww/animatediff-sparsectrl-rgb",
        revision="b8003d681d813c095e459b9141122894daff2d13",
        files=(HubFile("config.json"), HubFile("diffusion_pytorch_model.fp16.safetensors", None, 994 * _MB)),
        patterns=(), size_bytes=994 * _MB, licence="Apache-2.0", commercial_use=True, variant="fp16",
        description="AnimateDiff SparseCtrl RGB encoder: condition frames on images (SparseControlNetModel, fp16).",
    ),
    HubModel(
        name="animatediff_sparsectrl_scribble", repo_id="guoyww/animatediff-sparsectrl-scribble", revision=None,
        files=(HubFile("config.json"), HubFile("diffusion_pytorch_model.fp16.safetensors")),
        patterns=(), size_bytes=None, licence="Apache-2.0", commercial_use=True, variant="fp16",
        description="AnimateDiff SparseCtrl scribble encoder: condition frames on sketches (fp16).",
    ),
    # LTX-Video (Lightricks): the diffusers weights at the root of the repository are the 2B v0.9 model. Its
    # licence is Lightricks' own open-weights licence (OpenRAIL-M style, with use restrictions), License.txt in
    # the repository; later LTXV releases changed the terms, so check the file at the revision you fetch.
    HubModel(
        name="ltx_video", repo_id="Lightricks/LTX-Video", revision=None,
        files=(HubFile("model_index.json"), HubFile("scheduler/scheduler_config.json"),
               HubFile("text_encoder/config.json"), HubFile("transformer/config.json"),
               HubFile("transformer/diffusion_pytorch_model.safetensors.index.json"), HubFile("vae/config.json")),
        patterns=("text_encoder/*", "tokenizer/*", "transformer/*", "vae/*"),
        size_bytes=None,
        licence="LTX-Video open weights (OpenRAIL-M style)",
        commercial_use=True,
        commercial_terms="allowed under the licence's use restrictions (read License.txt in the repository)",
        pipeline="LTXImageToVideoPipeline",
        description=("LTX-Video 2B v0.9 text/image-to-video, 768x512 at 24 fps (transformer 7.69 GB in 2 shards, "
                     "T5-XXL text encoder)."),
    ),
)

HUB_MODELS: dict[str, HubModel] = {m.name: m for m in _HUB_ENTRIES}


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


def names() -> list[str]:
    """Every known name: single-file checkpoints, then hub models."""
    return list(REGISTRY) + [n for n in HUB_MODELS if n not in REGISTRY]


def entry(name: str) -> Checkpoint | HubModel:
    """The entry called `name` of either kind, or InputError listing every known name."""
    if name in REGISTRY:
        return REGISTRY[name]
    if name in HUB_MODELS:
        return HUB_MODELS[name]
    raise InputError(f"Unknown weights '{name}'; known: {', '.join(names())}.")


def hub_cache_dir() -> Path:
    """huggingface_hub's cache: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub (read now)."""
    for var in HF_CACHE_VARS:
        value = os.environ.get(var, "").strip()
        if value:
            return Path(value).expanduser()
    home = os.environ.get("HF_HOME", "").strip()
    if not home:
        home = os.path.join(os.environ.get("XDG_CACHE_HOME", "").strip() or "~/.cache", "huggingface")
    return Path(home).expanduser() / "hub"
