"""Registry of known checkpoints and the local cache they are kept in."""

from weights.registry import (
    ENV_VAR,
    REGISTRY,
    Checkpoint,
    cache_dir,
    cache_path,
    file_sha256,
    get,
    local_path,
    verify_file,
)

__all__ = [
    "ENV_VAR",
    "REGISTRY",
    "Checkpoint",
    "cache_dir",
    "cache_path",
    "file_sha256",
    "get",
    "local_path",
    "verify_file",
]
