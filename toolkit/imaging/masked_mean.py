"""Gaussian means over only some of an image's pixels (normalised convolution)."""

from __future__ import annotations

import cv2
import numpy as np


def masked_gaussian(values: np.ndarray, known: np.ndarray, sigma: float,
                    coarse: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian mean of (H, W, C) `values` over the `known` pixels only (a bool mask, or float
    weights), and (H, W) how much of them was near.

    Where no known pixel is near, the mean is 0 and the share is 0.  With `coarse`, a sigma over
    2 px is blurred at a resolution reduced to match (about 2 px a blur), then scaled back up:
    much faster for wide blurs, where the detail lost does not show.
    """
    weight = np.asarray(known).astype(np.float32)
    values = np.asarray(values, np.float32)
    height, width = weight.shape
    factor = min(1.0, 2.0 / sigma) if coarse else 1.0
    if factor < 0.99:
        size = (max(2, round(width * factor)), max(2, round(height * factor)))
        small_total = cv2.resize(values * weight[..., None], size, interpolation=cv2.INTER_AREA)
        small_share = cv2.resize(weight, size, interpolation=cv2.INTER_AREA)
        total = cv2.resize(cv2.GaussianBlur(small_total, (0, 0), sigma * factor), (width, height),
                           interpolation=cv2.INTER_LINEAR)
        share = cv2.resize(cv2.GaussianBlur(small_share, (0, 0), sigma * factor), (width, height),
                           interpolation=cv2.INTER_LINEAR)
    else:
        total = cv2.GaussianBlur(values * weight[..., None], (0, 0), sigma)
        share = cv2.GaussianBlur(weight, (0, 0), sigma)
    total = total.reshape(values.shape)
    return total / np.maximum(share, 1e-6)[..., None], share
