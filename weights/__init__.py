"""Registry of known checkpoints and the local cache they are kept in."""

from weights.registry import (
    ENV_VAR,
    HUB_MODELS,
    REGISTRY,
    Checkpoint,
    HubFile,
    HubModel,
    cache_dir,
    cache_path,
    entry,
    file_sha256,
    get,
    hub_cache_dir,
    local_path,
    names,
    verify_file,
)

__all__ = [
    "ENV_VAR",
    "HUB_MODELS",
    "REGISTRY",
    "Checkpoint",
    "HubFile",
    "HubModel",
    "cache_dir",
    "cache_path",
    "entry",
    "file_sha256",
    "get",
    "hub_cache_dir",
    "local_path",
    "names",
    "verify_file",
]
