"""Click-to-object segmentation without weights, on synthetic images made in code."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from toolkit.errors import InputError
from toolkit.perception.segment import segment_at_point, segment_at_points

H, W = 120, 160
DISC_CENTRE, DISC_RADIUS = (45, 60), 22  # (x, y)
SQUARE = (95, 35, 140, 80)  # x0, y0, x1, y1 (exclusive)


def shapes() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A red disc and a blue square on a noisy gray background, and their true masks."""
    rng = np.random.default_rng(0)
    image = np.clip(rng.normal(128, 12, (H, W, 3)), 0, 255)
    yy, xx = np.mgrid[:H, :W]
    disc = (xx - DISC_CENTRE[0]) ** 2 + (yy - DISC_CENTRE[1]) ** 2 <= DISC_RADIUS**2
    square = np.zeros((H, W), bool)
    x0, y0, x1, y1 = SQUARE
    square[y0:y1, x0:x1] = True
    image[disc] = np.clip(rng.normal((200, 40, 40), 10, (disc.sum(), 3)), 0, 255)
    image[square] = np.clip(rng.normal((40, 60, 200), 10, (square.sum(), 3)), 0, 255)
    return image.astype(np.uint8), disc, square


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two boolean masks."""
    return float((a & b).sum() / max((a | b).sum(), 1))


def is_connected(mask: np.ndarray) -> bool:
    """True when the mask is one 8-connected piece."""
    _, count = ndimage.label(mask, structure=np.ones((3, 3), bool))
    return count == 1


def test_click_on_disc_finds_the_disc_only() -> None:
    image, disc, square = shapes()
    mask = segment_at_point(image, DISC_CENTRE)
    assert mask.shape == (H, W) and mask.dtype == np.float32
    assert 0.0 <= mask.min() and mask.max() <= 1.0
    hard = mask > 0.5
    assert iou(hard, disc) > 0.85
    assert not (hard & square).any()
    assert hard[DISC_CENTRE[1], DISC_CENTRE[0]]
    assert is_connected(hard)


def test_click_on_square_finds_the_square_only() -> None:
    image, disc, square = shapes()
    click = (120, 50)
    mask = segment_at_point(image, click) > 0.5
    assert iou(mask, square) > 0.85
    assert not (mask & disc).any()
    assert mask[click[1], click[0]] and is_connected(mask)


def test_edge_is_soft_but_narrow() -> None:
    image, disc, _ = shapes()
    mask = segment_at_point(image, DISC_CENTRE)
    partial = (mask > 0.02) & (mask < 0.98)
    assert partial.any()
    ring = ndimage.binary_dilation(disc, iterations=4) & ~ndimage.binary_erosion(disc, iterations=4)
    assert partial.sum() <= 1.05 * ring.sum()
    assert (mask[~ndimage.binary_dilation(disc, iterations=6)] == 0).all()


def test_nearly_uniform_image_respects_the_area_cap() -> None:
    rng = np.random.default_rng(1)
    image = np.clip(rng.normal(180, 2, (90, 140, 3)), 0, 255).astype(np.uint8)
    for fraction in (0.35, 0.1):
        hard = segment_at_point(image, (70, 45), max_area_fraction=fraction) > 0.5
        assert 0 < hard.mean() <= fraction
        assert hard[45, 70] and is_connected(hard)


def test_click_outside_the_image_is_an_input_error() -> None:
    image, _, _ = shapes()
    for point in ((-1, 10), (10, H), (W, 0), (float("nan"), 3)):
        with pytest.raises(InputError):
            segment_at_point(image, point)
    with pytest.raises(InputError):
        segment_at_point(image, (5, 5), max_area_fraction=0.0)
    with pytest.raises(InputError):
        segment_at_point(image[..., 0], (5, 5))


def test_tiny_image_works() -> None:
    image = np.zeros((16, 16, 3), np.uint8)
    image[4:12, 4:12] = (255, 200, 0)
    mask = segment_at_point(image, (8, 8), max_area_fraction=0.5)
    assert mask.shape == (16, 16)
    hard = mask > 0.5
    assert hard[8, 8] and is_connected(hard) and hard.mean() <= 0.5


def test_deterministic_and_one_mask_per_point() -> None:
    image, _, _ = shapes()
    first = segment_at_points(image, [DISC_CENTRE, (120, 50)])
    second = segment_at_points(image, [DISC_CENTRE, (120, 50)])
    assert len(first) == 2
    for a, b in zip(first, second):
        assert np.array_equal(a, b)
    assert np.array_equal(first[0], segment_at_point(image, DISC_CENTRE))
    assert segment_at_points(image, []) == []


# --------------------------------------------------------------------------- SAM, with a tiny random model

def tiny_sam():
    """A randomly initialised SAM small enough to run in milliseconds (64 px input, 32-d embeddings)."""
    import torch
    from segment_anything.modeling import ImageEncoderViT, MaskDecoder, PromptEncoder, Sam, TwoWayTransformer

    torch.manual_seed(0)
    dim, size, patch = 32, 64, 16
    return Sam(
        image_encoder=ImageEncoderViT(
            img_size=size, patch_size=patch, embed_dim=dim, depth=1, num_heads=2, mlp_ratio=2.0,
            out_chans=dim, qkv_bias=True, use_rel_pos=True, window_size=2, global_attn_indexes=(0,),
        ),
        prompt_encoder=PromptEncoder(
            embed_dim=dim, image_embedding_size=(size // patch, size // patch),
            input_image_size=(size, size), mask_in_chans=4,
        ),
        mask_decoder=MaskDecoder(
            num_multimask_outputs=3,
            transformer=TwoWayTransformer(depth=1, embedding_dim=dim, mlp_dim=64, num_heads=2),
            transformer_dim=dim, iou_head_depth=2, iou_head_hidden_dim=16,
        ),
        pixel_mean=[123.675, 116.28, 103.53],
        pixel_std=[58.395, 57.12, 57.375],
    ).eval()


def test_sam_segmenter_loads_a_checkpoint_and_masks_clicks(tmp_path) -> None:
    import torch
    from toolkit.perception.sam import SamSegmenter

    checkpoint = tmp_path / "tiny_sam.pth"
    torch.save(tiny_sam().state_dict(), checkpoint)
    segmenter = SamSegmenter(checkpoint, builder=tiny_sam, device="cpu")
    image, _, _ = shapes()
    clicks = [DISC_CENTRE, (120, 50)]
    masks = segmenter.masks_at_points(image, clicks)
    assert len(masks) == 2
    for mask, (x, y) in zip(masks, clicks):
        assert mask.shape == (H, W) and mask.dtype == np.float32
        assert 0.0 <= mask.min() and mask.max() <= 1.0
        assert mask[y, x] > 0.5 and is_connected(mask > 0.5)
    again = SamSegmenter.from_model(tiny_sam(), device="cpu").masks_at_points(image, clicks)
    assert all(np.array_equal(a, b) for a, b in zip(masks, again))


def test_sam_segmenter_rejects_missing_corrupt_and_mismatched_checkpoints(tmp_path) -> None:
    import torch
    from toolkit.perception.sam import SamSegmenter, infer_model_type

    assert infer_model_type("sam_vit_b_01ec64.pth") == "vit_b"
    assert infer_model_type("/x/SAM_VIT_H_4b8939.pth") == "vit_h"
    assert infer_model_type("model.pth") is None
    with pytest.raises(InputError, match="not found"):
        SamSegmenter(tmp_path / "sam_vit_b_missing.pth")
    corrupt = tmp_path / "sam_vit_b_corrupt.pth"
    corrupt.write_bytes(b"\x80\x02 definitely not a checkpoint")
    with pytest.raises(InputError, match="corrupt"):
        SamSegmenter(corrupt)
    with pytest.raises(InputError, match="model type"):
        SamSegmenter(corrupt.with_name("weights.pth"))
    wrong = tmp_path / "tiny.pth"
    torch.save({"not_a_sam_weight": torch.zeros(2)}, wrong)
    with pytest.raises(InputError, match="does not fit"):
        SamSegmenter(wrong, builder=tiny_sam)
    torch.save(tiny_sam().state_dict(), wrong)
    with pytest.raises(InputError, match="SHA-256"):
        SamSegmenter(wrong, builder=tiny_sam, sha256="0" * 64)
