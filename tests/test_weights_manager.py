"""The weights manager: finding hub models offline, missing and corrupt files, the CLI, resumable downloads,
safe loading of checkpoints. No test touches the network (conftest guards it); downloads come from loopback."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch

from tests.conftest import REPO
from toolkit.cli import main
from toolkit.errors import InputError
from weights import manager
from weights.download import download, part_path
from weights.registry import (
    HUB_MODELS,
    REGISTRY,
    Checkpoint,
    HubFile,
    HubModel,
    hub_cache_dir,
)

REVISION = "0123456789abcdef0123456789abcdef01234567"
UNET = b"unet weights " * 100
SHARDS = {"text_encoder/model-00001-of-00002.safetensors": b"first shard" * 50,
          "text_encoder/model-00002-of-00002.safetensors": b"second shard" * 50}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


TINY = HubModel(
    name="tiny", repo_id="owner/tiny-pipeline", revision=None,
    files=(HubFile("model_index.json"), HubFile("unet/config.json"),
           HubFile("unet/diffusion_pytorch_model.safetensors", sha256(UNET), len(UNET)),
           HubFile("text_encoder/model.safetensors.index.json")),
    patterns=("text_encoder/*", "tokenizer/*"),
    size_bytes=2000, licence="Apache-2.0", commercial_use=True, pipeline="TinyPipeline",
    description="A stand-in pipeline for tests.",
)


def tiny_files() -> dict[str, bytes]:
    index = {"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}
    return {
        "model_index.json": b'{"_class_name": "TinyPipeline"}',
        "unet/config.json": b"{}",
        "unet/diffusion_pytorch_model.safetensors": UNET,
        "text_encoder/model.safetensors.index.json": json.dumps(index).encode(),
        "tokenizer/tokenizer_config.json": b"{}",
        **SHARDS,
    }


def make_snapshot(repo_id: str, files: dict[str, bytes], revision: str = REVISION) -> Path:
    """huggingface_hub's cache layout: blobs named by digest, snapshot links to them, refs/main."""
    repo = hub_cache_dir() / ("models--" + repo_id.replace("/", "--"))
    snapshot = repo / "snapshots" / revision
    (repo / "blobs").mkdir(parents=True, exist_ok=True)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(revision)
    for rel, data in files.items():
        large = rel.endswith(".safetensors")  # LFS files are stored under their SHA-256, others under a git SHA-1
        blob = repo / "blobs" / (sha256(data) if large else hashlib.sha1(data).hexdigest())
        blob.write_bytes(data)
        link = snapshot / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(blob, link.parent))
    return snapshot


def corrupt(path: Path, data: bytes = b"garbage") -> None:
    """Overwrite the blob behind `path` with different bytes (and a different size)."""
    Path(os.path.realpath(path)).write_bytes(data)


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("TOOLKIT_WEIGHTS_DIR", str(tmp_path / "weights"))
    for var in ("HF_HOME", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HUGGINGFACE_HUB_CACHE", "HF_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setitem(HUB_MODELS, "tiny", TINY)
    return tmp_path


def run_cli(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


# ---- finding hub models offline ---------------------------------------------------------------------------------

def test_hub_cache_dir_follows_huggingface_variables(tmp_path, monkeypatch):
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    assert hub_cache_dir() == Path("~/.cache/huggingface/hub").expanduser()
    monkeypatch.setenv("HF_HOME", str(tmp_path / "home"))
    assert hub_cache_dir() == tmp_path / "home" / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "cache"))
    assert hub_cache_dir() == tmp_path / "cache"


def test_model_folder_finds_a_cached_snapshot_offline(env):
    snapshot = make_snapshot(TINY.repo_id, tiny_files())
    assert manager.is_present("tiny")
    assert manager.model_folder("tiny") == snapshot
    assert manager.model_folder("owner/tiny-pipeline") == snapshot  # its hub id maps to the entry
    assert manager.path("tiny") == snapshot
    assert (manager.model_folder("tiny") / "model_index.json").is_file()
    assert manager.verify("tiny") == []


def test_variant_of_the_weight_files():
    assert manager.variant("svd") == "fp16" and manager.variant("stabilityai/stable-video-diffusion-img2vid") == "fp16"
    assert manager.variant("wan2.1_i2v_480p") is None and manager.variant("some/folder") is None


def test_model_folder_of_a_hub_id_outside_the_registry(env):
    snapshot = make_snapshot("someone/other-model", {"model_index.json": b"{}"})
    assert manager.model_folder("someone/other-model") == snapshot
    with pytest.raises(InputError, match="hf download someone/absent"):
        manager.model_folder("someone/absent")


def test_model_folder_of_a_local_folder(env, tmp_path):
    folder = tmp_path / "my-model"
    folder.mkdir()
    with pytest.raises(InputError, match="model_index.json"):
        manager.model_folder(str(folder))
    (folder / "model_index.json").write_text("{}")
    assert manager.model_folder(str(folder)) == folder
    with pytest.raises(InputError, match="neither"):
        manager.model_folder("not a model")
    with pytest.raises(InputError, match="single checkpoint"):
        manager.model_folder("sam_vit_b")


def test_missing_files_are_named_with_the_fetch_command(env):
    files = tiny_files()
    del files["text_encoder/model-00002-of-00002.safetensors"]
    make_snapshot(TINY.repo_id, files)
    assert not manager.is_present("tiny") and manager.has_any("tiny")
    with pytest.raises(InputError) as error:
        manager.model_folder("tiny")
    message = str(error.value)
    assert "text_encoder/model-00002-of-00002.safetensors" in message
    assert "`animate weights fetch tiny`" in message and "\n" not in message


def test_nothing_downloaded_lists_a_few_files_then_how_many_more(env):
    assert not manager.is_present("svd") and not manager.has_any("svd")
    with pytest.raises(InputError) as error:
        manager.model_folder("svd")
    message = str(error.value)
    assert "model_index.json" in message and "and 6 more" in message
    assert "`animate weights fetch svd`" in message
    assert manager.verify("svd") == ["svd: not downloaded; get it with `animate weights fetch svd`"]


def test_a_corrupt_file_is_reported_and_refused(env):
    snapshot = make_snapshot(TINY.repo_id, tiny_files())
    assert manager.model_folder("tiny") == snapshot  # verified once: digests stamped
    corrupt(snapshot / "unet/diffusion_pytorch_model.safetensors")
    problems = manager.verify("tiny")
    assert len(problems) == 1 and "unet/diffusion_pytorch_model.safetensors" in problems[0]
    assert "registry" in problems[0]
    with pytest.raises(InputError, match="refusing to load 'tiny'"):
        manager.model_folder("tiny")
    assert manager.is_present("tiny")  # all files are there: only their content is wrong


def test_a_shard_is_checked_against_the_hub_digest(env):
    snapshot = make_snapshot(TINY.repo_id, tiny_files())
    corrupt(snapshot / "text_encoder/model-00002-of-00002.safetensors")
    assert any("model-00002-of-00002" in p and "hub" in p for p in manager.verify("tiny"))
    with pytest.raises(InputError, match="model-00002-of-00002"):
        manager.model_folder("tiny")


def test_digests_recorded_at_download_detect_later_changes(env):
    snapshot = make_snapshot(TINY.repo_id, tiny_files())
    manager._record(TINY, snapshot)  # what fetch does once the download is complete
    recorded = json.loads((env / "weights" / "recorded" / "tiny.json").read_text())
    assert recorded["revision"] == REVISION
    assert recorded["files"]["model_index.json"] == sha256(tiny_files()["model_index.json"])
    corrupt(snapshot / "model_index.json", b'{"_class_name": "Changed"}')
    problems = manager.verify("tiny")
    assert problems and "model_index.json" in problems[0] and "recorded" in problems[0]
    with pytest.raises(InputError, match="model_index.json"):
        manager.model_folder("tiny")


def test_a_verified_file_is_not_hashed_again(env, monkeypatch):
    snapshot = make_snapshot(TINY.repo_id, tiny_files())
    manager.model_folder("tiny")
    calls = []
    monkeypatch.setattr("weights.digests.file_sha256", lambda p: calls.append(p) or "0" * 64)
    assert manager.model_folder("tiny") == snapshot
    assert calls == []


@pytest.fixture
def hashed(monkeypatch):
    """Counts the files hashed (by real path), wherever the hashing happens."""
    from weights import digests
    from weights import download as download_module
    from weights.registry import file_sha256

    counts: dict[str, int] = {}

    def counting(path):
        real = os.path.realpath(path)
        counts[real] = counts.get(real, 0) + 1
        return file_sha256(path)

    for module in (digests, download_module, manager):
        monkeypatch.setattr(module, "file_sha256", counting)
    return counts


def test_a_fetched_hub_model_is_hashed_once(env, hashed):
    snapshot = make_snapshot(TINY.repo_id, tiny_files())
    manager._record(TINY, snapshot)  # what fetch does once the download is complete
    assert manager.model_folder("tiny") == snapshot  # checks every file against the stamps of _record
    needed = {os.path.realpath(snapshot / rel) for rel in tiny_files()}
    assert set(hashed) == needed, hashed
    assert sum(hashed.values()) == len(tiny_files()), hashed  # one read per file (two configs share a blob)


# ---- the command line ---------------------------------------------------------------------------------------------

def test_cli_list(env, capsys):
    make_snapshot(TINY.repo_id, tiny_files())
    code, out, err = run_cli(["weights", "list"], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["name", "kind", "size", "licence", "commercial", "present"]
    rows = {line.split()[0]: line.split() for line in lines[1:] if not line.startswith(" ")}
    assert {"sam_vit_b", "svd", "svd_xt", "wan2.1_i2v_480p", "ltx_video", "tiny"} <= set(rows)
    assert rows["tiny"][-1] == "yes" and rows["svd"][-1] == "no"
    assert rows["svd"][-2] == "conditional" and rows["sam_vit_b"][-2] == "yes"
    assert "US$1M" in out


def test_cli_path(env, capsys):
    snapshot = make_snapshot(TINY.repo_id, tiny_files())
    code, out, err = run_cli(["weights", "path", "tiny"], capsys)
    assert (code, out.strip()) == (0, str(snapshot)), err
    code, out, err = run_cli(["weights", "path", "svd_xt"], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "animate weights fetch svd_xt" in err
    code, _, err = run_cli(["weights", "path", "sam_vit_b"], capsys)
    assert code == 2 and "animate weights fetch sam_vit_b" in err


def test_cli_verify(env, capsys):
    snapshot = make_snapshot(TINY.repo_id, tiny_files())
    code, out, err = run_cli(["weights", "verify"], capsys)
    assert (code, out) == (0, "tiny: ok\n"), err  # only what is present
    corrupt(snapshot / "unet/diffusion_pytorch_model.safetensors")
    code, out, err = run_cli(["weights", "verify", "tiny"], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "unet/diffusion_pytorch_model.safetensors" in err and "Traceback" not in err


def test_cli_bad_input_is_one_line(env, capsys):
    for args in (["weights"], ["weights", "frobnicate"], ["weights", "path"], ["weights", "fetch", "nope"],
                 ["weights", "verify", "nope"]):
        code, out, err = run_cli(args, capsys)
        assert code == 2 and out == "" and err.startswith("animate: error:") and err.count("\n") == 1, (args, err)


def test_fetch_of_present_weights_needs_no_network(env, capsys):
    snapshot = make_snapshot(TINY.repo_id, tiny_files())
    code, out, err = run_cli(["weights", "fetch", "tiny"], capsys)
    assert (code, out) == (0, f"tiny: {snapshot}\n"), err


def _fetch_in_subprocess(tmp_path, name, **env_vars):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGINGFACE_"))}
    env.update(HF_HUB_CACHE=str(tmp_path / "hub"), TOOLKIT_WEIGHTS_DIR=str(tmp_path / "weights"),
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost", **env_vars)
    return subprocess.run([sys.executable, "-m", "toolkit.cli", "weights", "fetch", name], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60, check=False)  # a hang fails the test


# single-file checkpoints come from their own URL, not the hub endpoint: HF_ENDPOINT does not apply to them
@pytest.mark.parametrize(("name", "setting"), [
    ("svd", {"HF_HUB_OFFLINE": "1"}),
    ("sam_vit_b", {"HF_HUB_OFFLINE": "1"}),
    ("svd", {"HF_ENDPOINT": "http://127.0.0.1:9"}),
])
def test_fetch_without_network_fails_fast(tmp_path, name, setting):
    done = _fetch_in_subprocess(tmp_path, name, **setting)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("animate: error:") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr and f"`animate weights fetch {name}`" in done.stderr
    assert not list((tmp_path / "weights").glob("*.pth"))


# ---- the resumable downloader ---------------------------------------------------------------------------------------

class _Files(http.server.BaseHTTPRequestHandler):
    """Serves `content` at any path, honouring Range unless `ranges` is off; records the Range headers asked."""

    content = b""
    ranges = True
    asked: list[str | None]  # set per server

    def do_GET(self):
        type(self).asked.append(self.headers.get("Range"))
        start, status = 0, 200
        requested = self.headers.get("Range")
        if requested and self.ranges:
            start, status = int(requested.removeprefix("bytes=").split("-")[0]), 206
            if start >= len(self.content):
                self.send_response(416)
                self.end_headers()
                return
        body = self.content[start:]
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(self.content) - 1}/{len(self.content)}")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    data = os.urandom(300_000)
    handler = type("Handler", (_Files,), {"content": data, "asked": [], "ranges": True})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{httpd.server_address[1]}/sam_vit_t.pth"
    httpd.shutdown()
    httpd.server_close()


def test_download_resumes_a_partial_file(server, tmp_path):
    handler, url = server
    dest = tmp_path / "sam_vit_t.pth"
    part_path(dest).write_bytes(handler.content[:100_000])
    seen = []
    assert download(url, dest, sha256(handler.content), len(handler.content), lambda d, t: seen.append((d, t))) == dest
    assert handler.asked == ["bytes=100000-"]
    assert dest.read_bytes() == handler.content and not part_path(dest).exists()
    assert seen[-1] == (len(handler.content), len(handler.content)) and seen[0][0] > 100_000


def test_download_restarts_when_the_server_ignores_ranges(server, tmp_path):
    handler, url = server
    handler.ranges = False
    dest = tmp_path / "sam_vit_t.pth"
    part_path(dest).write_bytes(b"x" * 5000)
    download(url, dest, sha256(handler.content))
    assert dest.read_bytes() == handler.content


def test_download_of_an_already_complete_part(server, tmp_path):
    handler, url = server
    dest = tmp_path / "sam_vit_t.pth"
    part_path(dest).write_bytes(handler.content)
    download(url, dest, sha256(handler.content))
    assert handler.asked == [f"bytes={len(handler.content)}-"] and dest.read_bytes() == handler.content


def test_download_with_a_wrong_digest_leaves_nothing(server, tmp_path):
    handler, url = server
    dest = tmp_path / "sam_vit_t.pth"
    part_path(dest).write_bytes(handler.content[:1000])
    with pytest.raises(InputError, match="does not match its published SHA-256"):
        download(url, dest, "0" * 64)
    assert not dest.exists() and not part_path(dest).exists()


def test_download_failure_keeps_the_part(tmp_path):
    dest = tmp_path / "f.bin"
    part_path(dest).write_bytes(b"abc")
    with pytest.raises(InputError, match=r"3 bytes kept"):
        download("http://127.0.0.1:9/f.bin", dest, timeout=2)
    assert part_path(dest).read_bytes() == b"abc"


def test_fetch_of_a_url_checkpoint(server, env, monkeypatch, capsys):
    handler, url = server
    item = Checkpoint("sam_vit_t", url, "sam_vit_t.pth", sha256(handler.content), len(handler.content),
                      "Apache-2.0", True, "A stand-in checkpoint.")
    monkeypatch.setitem(REGISTRY, "sam_vit_t", item)
    code, out, err = run_cli(["weights", "fetch", "sam_vit_t"], capsys)
    target = env / "weights" / "sam_vit_t.pth"
    assert (code, out) == (0, f"sam_vit_t: {target}\n"), err
    assert target.read_bytes() == handler.content and manager.is_present("sam_vit_t")
    handler.asked.clear()
    assert manager.fetch("sam_vit_t") == target and handler.asked == []  # already here: no request
    assert manager.verify("sam_vit_t") == [] and manager.path("sam_vit_t") == target
    target.write_bytes(b"changed")
    assert "does not match" in manager.verify("sam_vit_t")[0]


def test_a_fetched_url_checkpoint_is_hashed_once(server, env, monkeypatch, hashed):
    handler, url = server
    item = Checkpoint("sam_vit_t", url, "sam_vit_t.pth", sha256(handler.content), len(handler.content),
                      "Apache-2.0", True, "A stand-in checkpoint.")
    monkeypatch.setitem(REGISTRY, "sam_vit_t", item)
    target = manager.fetch("sam_vit_t")
    assert manager.fetch("sam_vit_t") == target and manager.is_present("sam_vit_t")
    assert sum(hashed.values()) == 1, hashed  # the .part file, as download() checked it


# ---- loading checkpoints --------------------------------------------------------------------------------------------

class Payload:
    """An arbitrary object: unpickling it could run code, so a weights-only load must refuse it."""


def test_load_state_dict_of_a_pickled_checkpoint(tmp_path):
    path = tmp_path / "model.pt"
    torch.save({"w": torch.arange(4.0)}, path)
    state = manager.load_state_dict(path, sha256(path.read_bytes()))
    assert torch.equal(state["w"], torch.arange(4.0))
    with pytest.raises(InputError, match="refusing to load"):
        manager.load_state_dict(path, "0" * 64)


def test_load_state_dict_refuses_arbitrary_objects(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"w": torch.zeros(2), "payload": Payload()}, path)
    with pytest.raises(InputError, match="weights_only"):
        manager.load_state_dict(path)


def test_load_state_dict_checks_a_registry_file_by_name(env, tmp_path):
    path = tmp_path / REGISTRY["sam_vit_b"].filename
    torch.save({"w": torch.zeros(2)}, path)
    with pytest.raises(InputError, match="animate weights fetch sam_vit_b"):
        manager.load_state_dict(path)


def test_load_state_dict_of_safetensors(tmp_path):
    from safetensors.torch import save_file

    path = tmp_path / "model.safetensors"
    save_file({"w": torch.ones(3)}, path)
    assert torch.equal(manager.load_state_dict(path, sha256(path.read_bytes()))["w"], torch.ones(3))
    path.write_bytes(b"not safetensors")
    with pytest.raises(InputError, match="safetensors"):
        manager.load_state_dict(path)
    with pytest.raises(InputError, match="not found"):
        manager.load_state_dict(tmp_path / "absent.pt")
