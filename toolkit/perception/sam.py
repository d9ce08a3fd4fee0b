"""Click-to-object masks with Segment Anything (SAM) when a checkpoint is available."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
from segment_anything import SamPredictor, sam_model_registry
from segment_anything.modeling import Sam

from toolkit.errors import InputError
from toolkit.perception.segment import check_image, check_point, component_at, soft_edge
from weights.registry import verify_file

log = logging.getLogger(__name__)

MODEL_TYPES = ("vit_b", "vit_l", "vit_h")


def infer_model_type(path: str | Path) -> str | None:
    """'vit_b' | 'vit_l' | 'vit_h' from a checkpoint file name such as sam_vit_b_01ec64.pth, else None."""
    match = re.search(r"vit[_-]?([blh])(?![a-z])", Path(path).name.lower())
    return f"vit_{match.group(1)}" if match else None


def default_device() -> str:
    """'cuda' when a GPU is visible to torch, else 'cpu'."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """Tensors of a pickled checkpoint, loaded with weights_only=True; InputError if missing or unreadable."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise InputError(f"SAM checkpoint not found: {path}.")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for truncated or foreign files
        raise InputError(
            f"SAM checkpoint {path} is corrupt or not a PyTorch weights file ({type(exc).__name__})."
        ) from exc
    if isinstance(state, dict) and isinstance(state.get("model"), dict):
        state = state["model"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise InputError(f"SAM checkpoint {path} does not hold a state dict of tensors.")
    return state


def build_sam(model_type: str | None, builder: Callable[[], Sam] | None = None) -> Sam:
    """An untrained SAM of `model_type`, or from `builder` (a hook for small test configurations)."""
    if builder is not None:
        return builder()
    if model_type not in MODEL_TYPES:
        raise InputError(f"Unknown SAM model type {model_type!r}; expected one of {', '.join(MODEL_TYPES)}.")
    return sam_model_registry[model_type](checkpoint=None)


class SamSegmenter:
    """Masks of clicked objects from a SAM checkpoint; the image embedding is computed once per image."""

    def __init__(
        self,
        checkpoint: str | Path,
        model_type: str | None = None,
        *,
        device: str | None = None,
        sha256: str | None = None,
        builder: Callable[[], Sam] | None = None,
    ) -> None:
        """Load `checkpoint` (model type from its file name when not given; sha256 checked when given)."""
        path = Path(checkpoint).expanduser()
        model_type = model_type or infer_model_type(path)
        if model_type is None and builder is None:
            raise InputError(
                f"Cannot tell the SAM model type from '{path.name}'; pass one of {', '.join(MODEL_TYPES)}."
            )
        state = load_state_dict(path)
        if sha256 is not None:
            if not verify_file(path, sha256):
                raise InputError(f"SAM checkpoint {path} does not match its SHA-256; download it again.")
        model = build_sam(model_type, builder)
        try:
            model.load_state_dict(state, strict=True)
        except RuntimeError as exc:
            raise InputError(
                f"SAM checkpoint {path} does not fit the {model_type or 'requested'} architecture."
            ) from exc
        self._attach(model, device)
        log.info("loaded SAM %s from %s on %s", model_type or "(custom)", path, self.device)

    @classmethod
    def from_model(cls, model: Sam, *, device: str | None = None) -> SamSegmenter:
        """Wrap an already built SAM model (tests, or callers that manage weights themselves)."""
        segmenter = cls.__new__(cls)
        segmenter._attach(model, device)
        return segmenter

    def _attach(self, model: Sam, device: str | None) -> None:
        """Move the model to its device and make the predictor."""
        self.device = device or default_device()
        self.model = model.to(self.device).eval()
        self.predictor = SamPredictor(self.model)

    def masks_at_points(self, image: np.ndarray, points: Sequence[tuple[float, float]]) -> list[np.ndarray]:
        """One float32 (H, W) mask per click: SAM's best-scoring proposal, the piece under the click."""
        rgb = check_image(image)
        clicks = [check_point(p, rgb.shape) for p in points]
        if not clicks:
            return []
        h, w = rgb.shape[:2]
        with torch.inference_mode():
            self.predictor.set_image(rgb, image_format="RGB")
            try:
                masks = [self._mask_at(x, y, h, w) for x, y in clicks]
            finally:
                self.predictor.reset_image()
        return masks

    def _mask_at(self, x: float, y: float, h: int, w: int) -> np.ndarray:
        """Best of SAM's three proposals for one click, reduced to the component under it."""
        proposals, scores, _ = self.predictor.predict(
            point_coords=np.array([[x, y]], np.float32),
            point_labels=np.array([1]),
            multimask_output=True,
        )
        seed = (min(w - 1, int(x)), min(h - 1, int(y)))
        ranked = np.argsort(-scores, kind="stable")
        hits = [i for i in ranked if proposals[i][seed[1], seed[0]]]
        if not hits:
            log.warning("no SAM proposal covers the click at (%.0f, %.0f); using the best-scoring one", x, y)
        best = proposals[hits[0] if hits else ranked[0]].astype(bool)
        return soft_edge(component_at(best, seed))
