"""Find, fetch and verify weights: hub models in huggingface_hub's cache, single files in $TOOLKIT_WEIGHTS_DIR.

Nothing here touches the network except `fetch`: finding a model reads the cache directories only, so a
machine without network uses whatever is already there and is told the exact command for the rest.
"""

from __future__ import annotations

import logging
import os
import pickle
import re
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from toolkit.errors import InputError
from weights import digests
from weights.download import Progress, download
from weights.registry import (
    HUB_MODELS,
    REGISTRY,
    Checkpoint,
    HubModel,
    cache_path,
    entry,
    file_sha256,
    hub_cache_dir,
)

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://huggingface.co"
PROBE_TIMEOUT = 10.0  # seconds: how long `fetch` waits for the hub to answer before giving up
SHOWN = 3  # missing files named in a message before "and N more"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_TRUE = {"1", "on", "yes", "true"}


# ---- small helpers -------------------------------------------------------------------------------------------

def fetch_command(name: str) -> str:
    return f"animate weights fetch {name}"


def offline() -> bool:
    """True when huggingface_hub's offline switch (HF_HUB_OFFLINE, or TRANSFORMERS_OFFLINE) is set."""
    return any(os.environ.get(v, "").strip().lower() in _TRUE for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT", "").strip() or DEFAULT_ENDPOINT).rstrip("/")


def _listed(items: list[str]) -> str:
    """'a, b, c and 4 more'."""
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {len(items) - SHOWN} more" if len(items) > SHOWN else "")


def _repo_dir(repo_id: str) -> Path:
    return hub_cache_dir() / ("models--" + repo_id.replace("/", "--"))


def _read_ref(repo: Path, ref: str) -> str | None:
    try:
        return (repo / "refs" / ref).read_text().strip() or None
    except OSError:
        return None


def _blob_digest(path: Path) -> str | None:
    """The SHA-256 a hub cache file was stored under (LFS blobs are named by it), None for other files."""
    real = Path(os.path.realpath(path))
    return real.name if real.parent.name == "blobs" and _HEX64.fullmatch(real.name) else None


# ---- hub models: where they are and what they need ---------------------------------------------------------------

def _snapshots(model: HubModel) -> list[Path]:
    """Candidate snapshot folders, best first: the pinned revision, then "main", then any other (newest first)."""
    repo = _repo_dir(model.repo_id)
    root = repo / "snapshots"
    if not root.is_dir():
        return []
    wanted = []
    if model.revision:
        wanted.append(model.revision if re.fullmatch(r"[0-9a-f]{40}", model.revision)
                      else _read_ref(repo, model.revision))
    wanted.append(_read_ref(repo, "main"))
    found = [root / w for w in wanted if w and (root / w).is_dir()]
    others = sorted((d for d in root.iterdir() if d.is_dir() and d not in found),
                    key=lambda d: d.stat().st_mtime, reverse=True)
    return found + others


def _shards(folder: Path) -> list[str]:
    """Shards named by the `*.index.json` files present in `folder` (relative paths)."""
    import json

    shards = []
    for index in sorted(folder.rglob("*.index.json")):
        try:
            weight_map = json.loads(index.read_text()).get("weight_map", {})
        except (OSError, ValueError, AttributeError):
            shards.append(index.relative_to(folder).as_posix())  # unreadable: report the index itself
            continue
        base = index.parent.relative_to(folder)
        shards += sorted({(base / str(f)).as_posix() for f in weight_map.values()})
    return shards


def missing_files(model: HubModel, folder: Path | None) -> list[str]:
    """Files (or folder patterns) that `model` needs and `folder` lacks; all of them when there is no folder."""
    if folder is None:
        return model.allow_patterns
    missing = [f.path for f in model.files if not (folder / f.path).is_file()]
    missing += [p for p in model.patterns if not any(x.is_file() for x in folder.glob(p))]
    missing += [s for s in _shards(folder) if not (folder / s).is_file() and s not in missing]
    return missing


def _needed(model: HubModel, folder: Path) -> list[str]:
    """Relative paths of the present files the pipeline uses: the listed files, the component folders, shards."""
    paths = {f.path for f in model.files if (folder / f.path).is_file()}
    for pattern in model.patterns:
        paths |= {p.relative_to(folder).as_posix() for p in folder.glob(pattern) if p.is_file()}
    return sorted(paths)


def _expected(model: HubModel, folder: Path) -> dict[str, tuple[str, str]]:
    """{path: (sha256, where the digest comes from)} for the present files that have one."""
    pinned = {f.path: f.sha256 for f in model.files if f.sha256}
    recorded = digests.load_recorded(model.name, folder.name)
    expected = {}
    for rel in _needed(model, folder):
        if rel in pinned:
            expected[rel] = (pinned[rel], "the registry's")
        elif rel in recorded:
            expected[rel] = (recorded[rel], "the one recorded at download")
        elif (blob := _blob_digest(folder / rel)) is not None:
            expected[rel] = (blob, "the hub's")
    return expected


def _snapshot(model: HubModel) -> tuple[Path | None, list[str]]:
    """The best local snapshot folder and what it lacks (the first complete one, else the best partial one)."""
    candidates = _snapshots(model)
    for folder in candidates:
        if not missing_files(model, folder):
            return folder, []
    folder = candidates[0] if candidates else None
    return folder, missing_files(model, folder)


def _mismatches(model: HubModel, folder: Path, force: bool) -> list[tuple[str, str]]:
    """(path, source) of present files whose SHA-256 differs from the expected one."""
    return [(rel, source) for rel, (sha, source) in _expected(model, folder).items()
            if not digests.matches(folder / rel, sha, force=force)]


def _missing_error(name: str, missing: list[str], where: Path | None) -> InputError:
    place = f" in {where}" if where is not None else f" (looked in {hub_cache_dir()})"
    return InputError(f"Weights '{name}' are not all here{place}: missing {_listed(missing)}; "
                      f"get them with `{fetch_command(name)}`.")


def _mismatch_error(name: str, folder: Path, bad: list[tuple[str, str]]) -> InputError:
    rel, source = bad[0]
    more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
    return InputError(f"{folder / rel} does not match {source} SHA-256{more}; refusing to load '{name}'. "
                      f"Run `{fetch_command(name)}` to download it again.")


# ---- public API ----------------------------------------------------------------------------------------------------

def is_present(name: str) -> bool:
    """True when every file of `name` is on disk (no hashing: cheap enough to call for a menu)."""
    item = entry(name)
    if isinstance(item, Checkpoint):
        target = cache_path(name)
        return target.is_file() and target.stat().st_size == item.size_bytes
    return not _snapshot(item)[1]


def has_any(name: str) -> bool:
    """True when some file of `name` is on disk (complete or not)."""
    item = entry(name)
    if isinstance(item, Checkpoint):
        return cache_path(name).is_file()
    return any(any(p.is_file() for p in f.rglob("*")) for f in _snapshots(item))


def path(name: str) -> Path:
    """The local file (single checkpoint) or folder (hub model) of `name`; InputError with the fetch command."""
    item = entry(name)
    if isinstance(item, Checkpoint):
        target = cache_path(name)
        if not target.is_file():
            raise InputError(f"Weights '{name}' are not here ({target} is missing); "
                             f"get them with `{fetch_command(name)}`.")
        return target
    folder, missing = _snapshot(item)
    if missing:
        raise _missing_error(name, missing, folder)
    return folder


def model_folder(spec: str) -> Path:
    """A local folder holding a diffusers model, found without network.

    `spec` is a registry name, a hub id ("owner/name", looked up in huggingface_hub's cache) or a local folder.
    Registry models are checked for missing files and against their recorded SHA-256 digests.
    """
    if spec in HUB_MODELS:
        model = HUB_MODELS[spec]
        folder = path(spec)
        bad = _mismatches(model, folder, force=False)
        if bad:
            raise _mismatch_error(spec, folder, bad)
        return folder
    if spec in REGISTRY:
        raise InputError(f"'{spec}' is a single checkpoint file, not a diffusers model; "
                         "use `animate weights path` for its file.")
    local = Path(spec).expanduser()
    if local.is_dir():
        if not ((local / "model_index.json").is_file() or (local / "config.json").is_file()):
            raise InputError(f"{local} is not a diffusers model folder (it has no model_index.json).")
        return local
    for model in HUB_MODELS.values():
        if model.repo_id.lower() == spec.lower():
            return model_folder(model.name)
    if re.fullmatch(r"[\w.-]+/[\w.-]+", spec):
        repo = _repo_dir(spec)
        main = _read_ref(repo, "main")
        folders = [repo / "snapshots" / main] if main else []
        folders += sorted((repo / "snapshots").glob("*")) if (repo / "snapshots").is_dir() else []
        for folder in folders:
            if (folder / "model_index.json").is_file() or (folder / "config.json").is_file():
                return folder
        raise InputError(f"'{spec}' is not in the Hugging Face cache ({hub_cache_dir()}) and is not a registry "
                         f"name; download it with `hf download {spec}` or pass a local folder.")
    raise InputError(f"'{spec}' is neither a registry name, a hub id (owner/name) nor a local model folder.")


def variant(spec: str) -> str | None:
    """The diffusers variant ("fp16") of a registry model's weight files, for from_pretrained(variant=...)."""
    for model in HUB_MODELS.values():
        if spec in (model.name, model.repo_id):
            return model.variant
    return None


def verify(name: str) -> list[str]:
    """Problems with the local copy of `name`, one line each (an empty list means present and intact).

    Every present file is hashed again and compared with the registry's digest, else the one recorded
    when it was fetched, else the hub's LFS digest.
    """
    item = entry(name)
    if isinstance(item, Checkpoint):
        target = cache_path(name)
        if not target.is_file():
            return [f"{name}: not downloaded; get it with `{fetch_command(name)}`"]
        if item.sha256 is not None and not digests.matches(target, item.sha256, force=True):
            return [f"{name}: {target} does not match the registry's SHA-256"]
        return []
    folder, missing = _snapshot(item)
    if folder is None:
        return [f"{name}: not downloaded; get it with `{fetch_command(name)}`"]
    problems = [f"{name}: {folder / rel} does not match {source} SHA-256"
                for rel, source in _mismatches(item, folder, force=True)]
    if missing:
        problems.append(f"{name}: missing {_listed(missing)}; get them with `{fetch_command(name)}`")
    return problems


def fetch(name: str, progress: Progress | None = None) -> Path:
    """Download `name` unless already here and intact; returns its file or folder.

    Fails fast with InputError, never hangs, when offline or when the server cannot be reached; what was
    downloaded is kept and the same command resumes.
    """
    item = entry(name)
    if isinstance(item, Checkpoint):
        return _fetch_file(item, progress)
    return _fetch_hub(item)


def _fetch_file(item: Checkpoint, progress: Progress | None) -> Path:
    target = cache_path(item.name)
    if target.is_file() and (item.sha256 is None or digests.matches(target, item.sha256)):
        log.info("%s is already here: %s", item.name, target)
        return target
    if offline():
        raise InputError(f"Cannot fetch '{item.name}': offline mode is on (HF_HUB_OFFLINE); "
                         f"unset it and run `{fetch_command(item.name)}`.")
    if target.is_file():
        log.warning("%s does not match its SHA-256; downloading it again", target)
        target.unlink()
    download(item.url, target, item.sha256, item.size_bytes, progress)
    if item.sha256 is not None:
        digests.stamp(target, item.sha256)  # download() checked it: loading it will not hash it again
    return target


def _probe(url: str, name: str) -> None:
    """Fail fast when nothing answers at `url` (an HTTP error status still means the server is reachable)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=PROBE_TIMEOUT):
            pass
    except urllib.error.HTTPError:
        return
    except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise InputError(f"Cannot reach {endpoint()} ({reason}); check the network (or HF_ENDPOINT) and run "
                         f"`{fetch_command(name)}` again.") from None


def _remove(folder: Path, rel: str) -> None:
    """Delete a corrupt file from the hub cache (its blob too), so that huggingface_hub downloads it again."""
    link = folder / rel
    real = Path(os.path.realpath(link))
    for victim in {link, real}:
        try:
            victim.unlink()
        except OSError:
            pass


def _fetch_hub(model: HubModel) -> Path:
    folder, missing = _snapshot(model)
    if folder is not None and not missing:
        bad = _mismatches(model, folder, force=False)
        if not bad:
            log.info("%s is already here: %s", model.name, folder)
            return folder
        for rel, _ in bad:
            log.warning("%s does not match its SHA-256; downloading it again", folder / rel)
            _remove(folder, rel)
    if offline():
        raise InputError(f"Cannot fetch '{model.name}': offline mode is on (HF_HUB_OFFLINE); unset it and run "
                         f"`{fetch_command(model.name)}`.")
    _probe(f"{endpoint()}/api/models/{model.repo_id}", model.name)
    folder = _snapshot_download(model)
    missing = missing_files(model, folder)
    if missing:
        raise InputError(f"The download of '{model.name}' is incomplete (missing {_listed(missing)}); "
                         f"run `{fetch_command(model.name)}` again to resume.")
    _record(model, folder)
    return folder


def _snapshot_download(model: HubModel) -> Path:
    """huggingface_hub's snapshot_download of the registry's files; errors become one-line InputErrors."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    where = f"{model.repo_id}" + (f"@{model.revision[:7]}" if model.revision else "")
    again = f"run `{fetch_command(model.name)}` again to resume"
    try:
        return Path(snapshot_download(model.repo_id, revision=model.revision, cache_dir=hub_cache_dir(),
                                      allow_patterns=model.allow_patterns, endpoint=endpoint(),
                                      etag_timeout=PROBE_TIMEOUT, max_workers=4))
    except GatedRepoError:
        raise InputError(f"{model.repo_id} is gated: accept its licence at {endpoint()}/{model.repo_id}, "
                         f"log in with `hf auth login`, then run `{fetch_command(model.name)}`.") from None
    except (RepositoryNotFoundError, RevisionNotFoundError):
        raise InputError(f"{where} was not found on {endpoint()} (private, renamed or gated?).") from None
    except (LocalEntryNotFoundError, OfflineModeIsEnabled):
        raise InputError(f"Could not download {where} from {endpoint()} (no connection); {again}.") from None
    except (HfHubHTTPError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"Could not download {where}: {first}; {again}.") from None
    except Exception as exc:  # httpx errors (connection reset, timeout...) come without a common base here
        if type(exc).__module__.split(".")[0] not in {"httpx", "httpx2", "httpcore", "hf_xet"}:
            raise
        raise InputError(f"Could not download {where} ({type(exc).__name__}: {exc}); {again}.") from None


def _record(model: HubModel, folder: Path) -> None:
    """Hash every needed file once, check it against the registry or the hub's digest, record the digests."""
    recorded = {}
    for rel in _needed(model, folder):
        actual = file_sha256(folder / rel)
        pinned = next((f.sha256 for f in model.files if f.path == rel and f.sha256), None)
        wanted = pinned or _blob_digest(folder / rel)
        if wanted is not None and actual != wanted:
            _remove(folder, rel)
            raise InputError(f"The download of {model.repo_id}/{rel} does not match its SHA-256; it was removed. "
                             f"Run `{fetch_command(model.name)}` again.")
        recorded[rel] = actual
        digests.stamp(folder / rel, actual)  # hashed just now
    digests.save_recorded(model.name, folder.name, recorded)


# ---- loading single-file checkpoints ------------------------------------------------------------------------------

def _registry_digest(file: Path) -> tuple[str, str] | None:
    """(name, sha256) of the registry checkpoint whose file name is `file`'s, if any."""
    for item in REGISTRY.values():
        if item.filename == file.name and item.sha256 is not None:
            return item.name, item.sha256
    return None


def load_state_dict(file: str | os.PathLike[str], sha256: str | None = None) -> dict:
    """Tensors of a checkpoint file, after checking its SHA-256 (given, or the registry's for that file name).

    Safetensors files load with safetensors; anything else with torch.load(..., weights_only=True), which
    refuses pickled objects other than tensors and plain containers.
    """
    import torch

    file = Path(file).expanduser()
    if not file.is_file():
        raise InputError(f"Checkpoint not found: {file}.")
    known = _registry_digest(file)
    expected = sha256 or (known[1] if known else None)
    if expected is not None and not digests.matches(file, expected):
        again = f" Run `{fetch_command(known[0])}` to download it again." if known else ""
        raise InputError(f"{file} does not match its SHA-256; refusing to load it.{again}")
    if file.suffix == ".safetensors":
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            return load_file(file, device="cpu")
        except (SafetensorError, OSError, ValueError) as exc:
            raise InputError(f"{file} is not a readable safetensors file ({exc}).") from None
    try:
        return torch.load(file, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise InputError(f"{file} holds pickled objects other than tensors; refusing to load it "
                         "(only weights are loaded, with weights_only=True).") from None
    except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile) as exc:
        raise InputError(f"{file} is corrupt or not a PyTorch checkpoint ({type(exc).__name__}).") from None
