"""Shared fixtures: no network in tests, and the optional real inputs in ../shared/assets."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
ASSETS = REPO.parent / "shared" / "assets"


def _is_local(address) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return isinstance(address, (str, bytes))  # a Unix socket path


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any connection beyond loopback fails the test that made it."""
    real_connect = socket.socket.connect

    def guarded_connect(self, address):
        if not _is_local(address):
            raise RuntimeError(f"tests must not use the network (tried to connect to {address!r})")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture
def assets() -> Path:
    """The folder of real third-party inputs; the test is skipped where it is absent."""
    if not ASSETS.is_dir():
        pytest.skip(f"real inputs not present at {ASSETS}")
    return ASSETS


@pytest.fixture
def checker_image() -> np.ndarray:
    """A 256x256 RGB test card: colour gradients under a checkerboard, with a yellow disc in the middle."""
    yy, xx = np.mgrid[:256, :256]
    image = np.zeros((256, 256, 3), np.uint8)
    image[..., 0] = xx
    image[..., 1] = yy
    image[..., 2] = ((xx // 16 + yy // 16) % 2) * 160
    disc = (xx - 128) ** 2 + (yy - 128) ** 2 < 40**2
    image[disc] = (250, 220, 30)
    image[(xx - 128) ** 2 + (yy - 118) ** 2 < 8**2] = (20, 20, 200)
    return image


@pytest.fixture
def disc_mask() -> np.ndarray:
    yy, xx = np.mgrid[:256, :256]
    return ((xx - 128) ** 2 + (yy - 128) ** 2 < 40**2).astype(np.float32)
