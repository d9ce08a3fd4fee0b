"""Measures of a rendered clip, computed from its frames alone (used by tests and benchmarks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import cv2
import numpy as np

from toolkit.imaging.masks import convex_polygon_mask
from toolkit.motion import skeleton as sk


def optical_flow_magnitudes(frames: Sequence[np.ndarray]) -> np.ndarray:
    """(T-1, H, W) Farneback optical-flow magnitude between consecutive RGB frames, in pixels."""
    grays = [cv2.cvtColor(np.asarray(f), cv2.COLOR_RGB2GRAY) for f in frames]
    magnitudes = []
    for previous, current in zip(grays[:-1], grays[1:]):
        flow = cv2.calcOpticalFlowFarneback(previous, current, None, 0.5, 4, 21, 3, 5, 1.1, 0)
        magnitudes.append(np.hypot(flow[..., 0], flow[..., 1]))
    return np.stack(magnitudes)


@dataclass(frozen=True)
class LocalityReport:
    """How much moves near a click compared with far from it."""

    near_flow: float
    far_flow: float
    far_change: float

    @property
    def ratio(self) -> float:
        return self.near_flow / max(self.far_flow, 1e-6)


def distance_from(point: tuple[float, float], shape: tuple[int, int]) -> np.ndarray:
    """(H, W) distance of every pixel from a point."""
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    return np.hypot(xx - point[0], yy - point[1])


def click_locality(frames: Sequence[np.ndarray], point: tuple[float, float], near: float = 0.04,
                   far: float = 0.25) -> LocalityReport:
    """Mean flow within `near` x diagonal of the click and beyond `far` x diagonal, and the far
    region's mean absolute change from the first frame (0-255 units, averaged over frames)."""
    height, width = frames[0].shape[:2]
    diagonal = float(np.hypot(width, height))
    distance = distance_from(point, (height, width))
    near_mask, far_mask = distance <= near * diagonal, distance > far * diagonal
    magnitudes = optical_flow_magnitudes(frames)
    first = frames[0].astype(np.float32)
    changes = [np.abs(f.astype(np.float32) - first)[far_mask].mean() for f in frames[1:]]
    return LocalityReport(float(magnitudes[:, near_mask].mean()), float(magnitudes[:, far_mask].mean()),
                          float(np.mean(changes)))


def locate_content(template: np.ndarray, frame: np.ndarray) -> tuple[float, float]:
    """Centre (x, y) of the best match of an RGB template in a frame (normalised cross-correlation)."""
    scores = cv2.matchTemplate(frame, template, cv2.TM_CCOEFF_NORMED)
    _, _, _, (x, y) = cv2.minMaxLoc(scores)
    return x + template.shape[1] / 2.0, y + template.shape[0] / 2.0


def drag_endpoint_error(first: np.ndarray, last: np.ndarray, box: tuple[int, int, int, int],
                        end: tuple[float, float]) -> float:
    """Distance from where the box's content of the first frame is found in the last frame to the
    drag's end point, as a fraction of the drag length (from the box centre)."""
    x0, y0, x1, y1 = box
    found = np.asarray(locate_content(first[y0:y1, x0:x1], last))
    start = np.array([(x0 + x1) / 2.0, (y0 + y1) / 2.0])
    length = float(np.linalg.norm(np.asarray(end) - start))
    return float(np.linalg.norm(found - np.asarray(end))) / max(length, 1e-6)


def arm_angles(joints: np.ndarray, side: str) -> np.ndarray:
    """Upper-arm and forearm directions (radians) of one side of a (33, 2) pose."""
    shoulder, elbow, wrist = sk.CHAINS[f"{side}_arm"]
    return np.array([sk.bone_angle(joints, shoulder, elbow), sk.bone_angle(joints, elbow, wrist)])


@dataclass(frozen=True)
class ArmFollowing:
    """How well a clip's arm follows its target poses, by a pose detector run on the clip."""

    error_deg: float  # mean absolute upper-arm and forearm angle error over the frames where the arm is seen
    missed: int  # frames where the toolkit's detector (detect_body) does not see the arm
    missed_first_look: int  # ... where MediaPipe's first look at the frame alone does not
    missed_video_mode: int  # ... where MediaPipe in video mode (tracking from frame to frame) does not


def arm_angle_error(frames: Iterable[np.ndarray], targets: np.ndarray, side: str) -> ArmFollowing:
    """The angle error of one arm against the targets, and the frames in which it is not seen
    (see arm_detections and arm_following)."""
    return arm_following(arm_detections(frames), targets, side)


def arm_detections(frames: Iterable[np.ndarray]) -> list[tuple]:
    """For each frame, what three pose detectors find in it: MediaPipe's first look at the frame
    alone, the toolkit's detector (which looks again in a grey frame where the first look finds
    no one), and MediaPipe run on the clip as a video (tracking from frame to frame)."""
    from toolkit.perception.body import BodyTracker, detect_each

    frames = list(frames)  # looked at twice
    with BodyTracker() as tracker:
        tracked = [tracker.track(frame) for frame in frames]
    return [(first, body, video) for (first, body), video in zip(detect_each(frames), tracked)]


def arm_following(detections: list[tuple], targets: np.ndarray, side: str) -> ArmFollowing:
    """The mean absolute angle error of one arm against the targets, measured with the toolkit's
    detector, and the frames in which each detector of `arm_detections` does not see the arm
    (all three of shoulder, elbow and wrist at visibility 0.5)."""
    errors, missed, missed_first_look, missed_video_mode = [], 0, 0, 0
    shoulder, elbow, wrist = sk.CHAINS[f"{side}_arm"]

    def arm_seen(body) -> bool:
        return body is not None and bool(body.visible(0.5)[[shoulder, elbow, wrist]].all())

    for (first, body, video), target in zip(detections, targets):
        missed_first_look += not arm_seen(first)
        missed_video_mode += not arm_seen(video)
        if not arm_seen(body):
            missed += 1
            continue
        diff = sk.wrap_angle(arm_angles(body.points.astype(np.float64), side) - arm_angles(target, side))
        errors.extend(np.degrees(np.abs(diff)))
    return ArmFollowing((float(np.mean(errors)) if errors else float("nan")), missed, missed_first_look,
                        missed_video_mode)


def background_change(frames: list[np.ndarray], source_rgb: np.ndarray, targets: np.ndarray) -> float:
    """Mean change from the first frame well away from the person: outside the source silhouette
    and every target skeleton (limbs drawn as thick as an arm), both grown by a tenth of the image."""
    from toolkit.perception.body import person_mask

    person = (person_mask(source_rgb) > 0.5).astype(np.uint8)
    thickness = max(2, int(0.35 * float(sk.torso_size(targets[0]))))
    for pose in targets:
        for a, b, c in sk.CHAINS.values():
            for i, j in ((a, b), (b, c)):
                cv2.line(person, tuple(int(v) for v in pose[i]), tuple(int(v) for v in pose[j]), 1, thickness)
    grow = int(0.1 * max(person.shape))
    near = cv2.dilate(person, np.ones((grow, grow), np.uint8)).astype(bool)
    first = frames[0].astype(np.float32)
    return float(np.mean([np.abs(f.astype(np.float32) - first)[~near].mean() for f in frames[1:]]))


def audio_envelope(samples: np.ndarray, sample_rate: int, fps: float, n_frames: int) -> np.ndarray:
    """(n_frames,) RMS amplitude of the audio in a window of two video frames centred on each frame."""
    samples = np.asarray(samples, np.float64)
    half = int(round(sample_rate / fps))
    centres = np.round(np.arange(n_frames) * sample_rate / fps).astype(int)
    padded = np.pad(samples, half)
    cumulative = np.concatenate([[0.0], np.cumsum(padded**2)])
    energy = (cumulative[centres + 2 * half] - cumulative[centres]) / (2 * half)
    return np.sqrt(np.maximum(energy, 0.0))


def peak_lag_correlation(a: np.ndarray, b: np.ndarray, max_lag: int = 1) -> tuple[float, int]:
    """Highest Pearson correlation of a with b shifted by at most max_lag frames, and that lag; frames
    where either is not finite are left out, and (nan, 0) means no lag could be measured."""
    best, best_lag = np.nan, 0
    for lag in range(-max_lag, max_lag + 1):
        x = a[max(0, lag): len(a) + min(0, lag)]
        y = b[max(0, -lag): len(b) + min(0, -lag)]
        finite = np.isfinite(x) & np.isfinite(y)
        x, y = x[finite], y[finite]
        if len(x) < 3 or x.std() < 1e-9 or y.std() < 1e-9:
            continue
        r = float(np.corrcoef(x, y)[0, 1])
        if not r <= best:  # the first measured lag, or a better one
            best, best_lag = r, lag
    return best, best_lag


def pauses(silent: np.ndarray, fps: float, min_seconds: float = 0.5, trim_seconds: float = 0.12) -> np.ndarray:
    """(T,) bool: frames inside silent runs of at least min_seconds, trimmed at both ends (the jaw needs time to close)."""
    silent = np.asarray(silent, bool)
    inside = np.zeros(len(silent), bool)
    trim = int(round(trim_seconds * fps))
    start = None
    for index, value in enumerate(np.append(silent, False)):
        if value and start is None:
            start = index
        elif not value and start is not None:
            if index - start >= min_seconds * fps:
                inside[start + trim: index - trim] = True
            start = None
    return inside


def count_blinks(openness: np.ndarray, closed_share: float = 0.6) -> int:
    """Blinks in a (T,) series of eye openness: dips below closed_share of its median (a drop of 40%), counted once each."""
    openness = np.asarray(openness, np.float64)
    valid = np.isfinite(openness)
    if not valid.any():
        return 0
    closed = np.where(valid, openness < closed_share * np.median(openness[valid]), False)
    return int(np.sum(closed[1:] & ~closed[:-1]) + closed[0])


def masked_ssim(frame: np.ndarray, source: np.ndarray, mask: np.ndarray) -> float:
    """Mean structural similarity (grey levels, 7x7 windows) of frame to source over the pixels of mask."""
    from skimage.metrics import structural_similarity

    a = cv2.cvtColor(np.asarray(frame), cv2.COLOR_RGB2GRAY)
    b = cv2.cvtColor(np.asarray(source), cv2.COLOR_RGB2GRAY)
    _, similarity = structural_similarity(a, b, data_range=255, full=True)
    return float(similarity[np.asarray(mask, bool)].mean())


def lab_mean(rgb: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Mean CIELAB colour (scikit-image's scale) of an RGB image's pixels inside region."""
    from skimage.color import rgb2lab

    return rgb2lab(rgb[region][None].astype(np.float64) / 255.0)[0].mean(axis=0)


def delta_e(a: np.ndarray, b: np.ndarray) -> float:
    """CIEDE2000 difference of two CIELAB colours."""
    from skimage.color import deltaE_ciede2000

    return float(deltaE_ciede2000(a[None], b[None])[0])


def torso_region(joints: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(H, W) bool: the shoulder-hip quadrilateral of MediaPipe Pose joints shrunk to 60% about its centre."""
    quad = sk.torso_quad(joints)
    return convex_polygon_mask(shape, quad.mean(axis=0) + 0.6 * (quad - quad.mean(axis=0)))


def legs_region(joints: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(H, W) bool: bands along both legs' bones, the thigh from 25% of its length down, the shin to 90%."""
    mask = np.zeros(shape, np.uint8)
    width = max(2, int(round(2 * 0.06 * float(sk.torso_size(joints)))))
    for hip, knee, ankle in (sk.CHAINS["left_leg"], sk.CHAINS["right_leg"]):
        top = joints[hip] + 0.25 * (joints[knee] - joints[hip])
        bottom = joints[knee] + 0.9 * (joints[ankle] - joints[knee])
        for a, b in ((top, joints[knee]), (joints[knee], bottom)):
            cv2.line(mask, tuple(int(v) for v in np.round(a)), tuple(int(v) for v in np.round(b)), 1, width)
    return mask.astype(bool)


def face_box(joints: np.ndarray, shape: tuple[int, int]) -> tuple[slice, slice]:
    """(rows, cols) of the face's box: MediaPipe Pose's face points (0-10) padded by 40% of its size."""
    face = joints[:11]
    lo, hi = face.min(axis=0), face.max(axis=0)
    pad = 0.4 * float((hi - lo).max())
    return (slice(int(max(0, lo[1] - pad)), int(min(shape[0], hi[1] + pad))),
            slice(int(max(0, lo[0] - pad)), int(min(shape[1], hi[0] + pad))))


def away_from_person(silhouette: np.ndarray, grow: float = 0.025) -> np.ndarray:
    """(H, W) bool: outside the silhouette (> 0.5) grown by `grow` of the image's diagonal."""
    radius = int(round(grow * np.hypot(*silhouette.shape[:2])))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1,) * 2)
    return cv2.dilate((np.asarray(silhouette) > 0.5).astype(np.uint8), kernel) == 0
