"""Gaussian means over only some of an image's pixels (normalised convolution)."""

from __future__ import annotations

import cv2
import numpy as np


def masked_gaussian(values: np.ndarray, known: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian mean of (H, W, C) `values` over the `known` pixels only, and (H, W) how much of them was near.

    Where no known pixel is near, the mean is 0 and the share is 0.
    """
    weight = np.asarray(known).astype(np.float32)
    values = np.asarray(values, np.float32)
    total = cv2.GaussianBlur(values * weight[..., None], (0, 0), sigma).reshape(values.shape)
    share = cv2.GaussianBlur(weight, (0, 0), sigma)
    return total / np.maximum(share, 1e-6)[..., None], share
