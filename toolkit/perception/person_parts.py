"""What a try-on needs to know about the person photo: body frame, skin, head, hands and clothing.

Everything is found once per photo from MediaPipe's landmarks and silhouette
(``toolkit.perception.body.detect_body_and_mask``) and the photo's colours:

- the body frame: shoulders, hips and limbs on the image's left and right, the torso's axis
  and size;
- skin: a colour model (CIELAB Gaussian) learnt from the face and hands;
- the head (face, hair and neck above the collar line) and the hands, which stay in front of
  a new garment, and the bare arms, which stay in front of its body (not its sleeves);
- the clothing a category replaces (the shirt for 'upper', the trousers or skirt for
  'lower', both for 'dress'): GrabCut seeded by the body (the torso's middle is the shirt,
  the thighs are the trousers, skin and background are neither), so the region follows the
  clothing's real outline rather than a box around the body.

"left"/"right" here are the image's sides.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import cv2
import numpy as np

from toolkit.motion import skeleton as sk
from toolkit.perception.garment_cutout import lab
from toolkit.imaging.masks import keep_touching

log = logging.getLogger(__name__)

GRABCUT_SIDE = 320  # clothing is segmented at this size (longer side), then snapped to the image
SKIN_DISTANCE = 3.2  # Mahalanobis distance (CIELAB) within which a colour is skin
MIN_FACE_SAMPLES = 150  # face pixels enough to learn the skin colour from the face alone


@dataclass(frozen=True)
class BodyFrame:
    """Landmarks arranged by image side, with the torso's directions and sizes."""

    joints: np.ndarray  # (33, 2)
    shoulders: tuple[np.ndarray, np.ndarray]  # image-left, image-right
    hips: tuple[np.ndarray, np.ndarray]
    arms: tuple[np.ndarray, np.ndarray]  # (3, 2) shoulder, elbow, wrist per image side
    legs: tuple[np.ndarray, np.ndarray]  # (3, 2) hip, knee, ankle per image side
    hands: tuple[np.ndarray, np.ndarray]  # (4, 2) wrist and finger landmarks per image side
    across: np.ndarray  # unit vector from the image-left shoulder to the image-right one
    down: np.ndarray  # unit vector from the neck (shoulders' midpoint) to the pelvis
    shoulder_width: float
    torso_length: float

    @property
    def neck(self) -> np.ndarray:
        return 0.5 * (self.shoulders[0] + self.shoulders[1])

    @property
    def pelvis(self) -> np.ndarray:
        return 0.5 * (self.hips[0] + self.hips[1])


def body_frame(joints: np.ndarray) -> BodyFrame:
    """Arrange MediaPipe's 33 landmarks by image side (whichever way the person faces)."""
    joints = np.asarray(joints, np.float64)
    ls, rs = joints[sk.LEFT_SHOULDER], joints[sk.RIGHT_SHOULDER]
    flip = ls[0] > rs[0]  # facing the camera: the person's left shoulder is on the image's right
    pick = (lambda left, right: (right, left)) if flip else (lambda left, right: (left, right))
    shoulders = pick(ls, rs)
    hips = pick(joints[sk.LEFT_HIP], joints[sk.RIGHT_HIP])
    arms = pick(joints[list(sk.CHAINS["left_arm"])], joints[list(sk.CHAINS["right_arm"])])
    legs = pick(joints[list(sk.CHAINS["left_leg"])], joints[list(sk.CHAINS["right_leg"])])
    hands = pick(joints[[sk.LEFT_WRIST, 17, 19, 21]], joints[[sk.RIGHT_WRIST, 18, 20, 22]])
    across = shoulders[1] - shoulders[0]
    width = max(float(np.linalg.norm(across)), 1.0)
    neck = 0.5 * (shoulders[0] + shoulders[1])
    pelvis = 0.5 * (hips[0] + hips[1])
    down = pelvis - neck
    length = max(float(np.linalg.norm(down)), 1.0)
    return BodyFrame(joints, shoulders, hips, arms, legs, hands, across / width, down / length, width, length)


# ---------------------------------------------------------------------------- geometry helpers

def pixel_grid(shape: tuple[int, int]) -> np.ndarray:
    """(H, W, 2) float x, y of every pixel."""
    ys, xs = np.mgrid[: shape[0], : shape[1]]
    return np.stack([xs, ys], axis=-1).astype(np.float64)


def polygon_mask(shape: tuple[int, int], polygon: np.ndarray) -> np.ndarray:
    """Boolean (H, W): inside a polygon (K, 2)."""
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(polygon).astype(np.int32)], 1)
    return mask.astype(bool)


def disc(shape: tuple[int, int], centre: np.ndarray, radius: float) -> np.ndarray:
    """Boolean (H, W): inside a circle."""
    mask = np.zeros(shape, np.uint8)
    cv2.circle(mask, (int(round(centre[0])), int(round(centre[1]))), max(1, int(round(radius))), 1, -1)
    return mask.astype(bool)


def shrink_about_centre(polygon: np.ndarray, factor: float) -> np.ndarray:
    """A polygon scaled by factor about its vertices' mean."""
    centre = polygon.mean(axis=0)
    return centre + factor * (polygon - centre)


def torso_quad(frame: BodyFrame) -> np.ndarray:
    """(4, 2) shoulder-hip quadrilateral: left shoulder, right shoulder, right hip, left hip."""
    return np.array([frame.shoulders[0], frame.shoulders[1], frame.hips[1], frame.hips[0]])


# ---------------------------------------------------------------------------- skin

@dataclass(frozen=True)
class ColourModel:
    """A Gaussian in CIELAB: mean (3,) and inverse covariance (3, 3)."""

    mean: np.ndarray
    inverse: np.ndarray

    def distance(self, lab_pixels: np.ndarray) -> np.ndarray:
        """Mahalanobis distance of (..., 3) Lab pixels."""
        d = lab_pixels - self.mean
        return np.sqrt(np.maximum(np.einsum("...i,ij,...j->...", d, self.inverse, d), 0.0))


def fit_colour_model(samples: np.ndarray, floor: float = 3.0) -> ColourModel | None:
    """Gaussian fitted to the inner 80% (by distance to the median) of (N, 3) Lab samples."""
    if len(samples) < 30:
        return None
    median = np.median(samples, axis=0)
    spread = np.linalg.norm(samples - median, axis=1)
    inner = samples[spread <= np.percentile(spread, 80)]
    cov = np.cov(inner.T) + np.eye(3) * floor ** 2
    return ColourModel(inner.mean(axis=0), np.linalg.inv(cov))


def face_skin_zone(frame: BodyFrame, shape: tuple[int, int]) -> np.ndarray:
    """Boolean (H, W): the cheeks, nose and upper lip (between the eyes and the mouth)."""
    j = frame.joints
    eyes = 0.5 * (j[2] + j[5])
    mouth = 0.5 * (j[9] + j[10])
    eye_gap = float(np.linalg.norm(j[2] - j[5]))
    centre = 0.5 * (eyes + mouth)
    return disc(shape, centre, max(3.0, 0.55 * eye_gap))


def hand_zone(frame: BodyFrame, side: int, shape: tuple[int, int], grow: float = 1.0) -> np.ndarray:
    """Boolean (H, W): a disc over one hand (wrist to fingertips and a little beyond)."""
    points = frame.hands[side]
    wrist, tips = points[0], points[1:].mean(axis=0)
    centre = tips + 0.3 * (tips - wrist)
    radius = grow * (1.1 * float(np.linalg.norm(tips - wrist)) + 0.04 * frame.torso_length)
    return disc(shape, centre, radius)


def skin_model(image_lab: np.ndarray, frame: BodyFrame, silhouette: np.ndarray) -> ColourModel | None:
    """The person's skin colour, learnt from the middle of the face (or, when too little of it shows,
    the face and the hands: hands are often hidden, or predicted out of the picture)."""
    shape = silhouette.shape

    def warm(samples: np.ndarray) -> np.ndarray:  # the skin-like majority: a warm, not too dark colour
        return samples[(samples[:, 1] > 3.0) & (samples[:, 2] > 3.0) & (samples[:, 0] > 15.0)]

    face = warm(image_lab[face_skin_zone(frame, shape) & silhouette])
    if len(face) >= MIN_FACE_SAMPLES:
        return fit_colour_model(face)
    zone = face_skin_zone(frame, shape)
    for side in (0, 1):
        zone |= hand_zone(frame, side, shape, grow=0.6)
    samples = image_lab[zone & silhouette]
    if len(samples) < 30:
        return None
    return fit_colour_model(warm(samples) if len(warm(samples)) >= 30 else samples)


# ---------------------------------------------------------------------------- zones

def arm_lines(frame: BodyFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each arm's polyline: shoulder, elbow, wrist, fingertips."""
    return tuple(np.vstack([frame.arms[s], frame.hands[s][1:].mean(axis=0)[None]]) for s in (0, 1))


def thick_polyline(shape: tuple[int, int], line: np.ndarray, radius: float) -> np.ndarray:
    """Boolean (H, W): within about radius of a polyline (K, 2) (drawn, with round joints)."""
    mask = np.zeros(shape, np.uint8)
    r = max(1, int(round(radius)))
    pts = np.round(line).astype(np.int32)
    for a, b in zip(pts[:-1], pts[1:]):
        cv2.line(mask, tuple(int(v) for v in a), tuple(int(v) for v in b), 1, 2 * r + 1)
    for p in pts:
        cv2.circle(mask, tuple(int(v) for v in p), r, 1, -1)
    return mask.astype(bool)


def arm_zone(frame: BodyFrame, shape: tuple[int, int], radius: float) -> np.ndarray:
    """Boolean (H, W): within radius of either arm's bones."""
    zone = np.zeros(shape, bool)
    for line in arm_lines(frame):
        zone |= thick_polyline(shape, line, radius)
    return zone


def leg_zone(frame: BodyFrame, shape: tuple[int, int], radius: float, start: float = 0.0,
             end: float = 2.0) -> np.ndarray:
    """Boolean (H, W): within radius of either leg's bones between `start` and `end`.

    Positions along the leg count the thigh as 0..1 and the shin as 1..2.
    """
    zone = np.zeros(shape, bool)
    for hip, knee, ankle in frame.legs:
        def at(u: float) -> np.ndarray:
            return hip + u * (knee - hip) if u <= 1.0 else knee + (u - 1.0) * (ankle - knee)
        line = [at(start)] + [knee for _ in range(1) if start < 1.0 < end] + [at(end)]
        zone |= thick_polyline(shape, np.array(line), radius)
    return zone


def collar_line(frame: BodyFrame) -> tuple[np.ndarray, np.ndarray]:
    """(point, normal): the line across the neck's base; `normal` points down the body."""
    base = frame.neck - frame.down * 0.22 * frame.shoulder_width
    return base, frame.down


def above_line(shape: tuple[int, int], point: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """Boolean (H, W): pixels on the side of the line (through point) against its normal."""
    xs = np.arange(shape[1], dtype=np.float64) - point[0]
    ys = np.arange(shape[0], dtype=np.float64) - point[1]
    return np.add.outer(ys * normal[1], xs * normal[0]) < 0


def chin_line(frame: BodyFrame) -> tuple[np.ndarray, np.ndarray]:
    """(point, normal): a line at about the chin (the mouth's landmarks when seen, else proportions)."""
    mouth = 0.5 * (frame.joints[9] + frame.joints[10])
    by_mouth = float((mouth - frame.neck) @ frame.down) + 0.07 * frame.shoulder_width
    by_shoulders = -0.42 * frame.shoulder_width
    offset = min(by_mouth, -0.3 * frame.shoulder_width) if np.isfinite(by_mouth) else by_shoulders
    return frame.neck + frame.down * offset, frame.down


def hair_mask(image_lab: np.ndarray, frame: BodyFrame, person: np.ndarray, skin: np.ndarray) -> np.ndarray:
    """Boolean (H, W): hair, by a colour model learnt above the eyes, joined to the hair there.

    Hair that falls over the shoulders and chest is found this way (and stays in front of a
    garment).  Empty when the photo shows no hair above the eyes.
    """
    eyes = 0.5 * (frame.joints[2] + frame.joints[5])
    top = person & above_line(person.shape, eyes, frame.down) & ~skin
    if top.sum() < 200:
        return np.zeros(person.shape, bool)
    model = fit_colour_model(image_lab[top])
    if model is None:
        return np.zeros(person.shape, bool)
    hairy = person & ~skin & (model.distance(image_lab) < 2.5)
    hairy = cv2.morphologyEx(hairy.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)).astype(bool)
    return keep_touching(hairy, top)


def head_mask(image_lab: np.ndarray, frame: BodyFrame, person: np.ndarray, skin: np.ndarray) -> np.ndarray:
    """Boolean (H, W): what of the head stays in front of a top: all above the chin, the neck's skin
    above the collar line, and hair."""
    point, normal = chin_line(frame)
    above_chin = person & above_line(person.shape, point, normal)
    collar, normal = collar_line(frame)
    neck_skin = person & skin & above_line(person.shape, collar, normal)
    return above_chin | neck_skin | hair_mask(image_lab, frame, person, skin)


# ---------------------------------------------------------------------------- clothing

def grabcut_labels(seeds_fg: np.ndarray, seeds_bg: np.ndarray, probable_fg: np.ndarray) -> np.ndarray:
    """GrabCut's label image from definite and probable seeds."""
    labels = np.full(seeds_fg.shape, cv2.GC_PR_BGD, np.uint8)
    labels[probable_fg] = cv2.GC_PR_FGD
    labels[seeds_bg] = cv2.GC_BGD
    labels[seeds_fg & ~seeds_bg] = cv2.GC_FGD
    return labels


def run_grabcut(rgb: np.ndarray, labels: np.ndarray, iterations: int = 3) -> np.ndarray | None:
    """Boolean foreground of GrabCut initialised with labels (None if it cannot run)."""
    if not (labels == cv2.GC_FGD).any() or not np.isin(labels, (cv2.GC_BGD, cv2.GC_PR_BGD)).any():
        return None
    bgd = np.zeros((1, 65), np.float64)
    fgd = np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)
    labels = labels.copy()
    try:
        cv2.grabCut(np.ascontiguousarray(rgb[..., ::-1]), labels, None, bgd, fgd, iterations, cv2.GC_INIT_WITH_MASK)
    except cv2.error as exc:
        log.debug("GrabCut failed: %s", exc)
        return None
    return (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)


@dataclass
class PersonParts:
    """A person photo analysed once for any number of garments."""

    image: np.ndarray  # (H, W, 3) uint8
    frame: BodyFrame
    silhouette: np.ndarray  # (H, W) float32 in [0, 1]
    skin: np.ndarray  # (H, W) bool
    head: np.ndarray  # (H, W) bool: the face, hair and the neck's skin
    hands: np.ndarray  # (H, W) bool
    bare_arms: np.ndarray  # (H, W) bool: arm skin (in front of a garment's body, under its sleeves)
    skin_colour: np.ndarray  # (3,) RGB
    lab: np.ndarray | None = None  # (H, W, 3) CIELAB of the image
    _clothing: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return self.silhouette.shape

    @property
    def person(self) -> np.ndarray:
        return self.silhouette > 0.5

    def override_clothing(self, mask: np.ndarray) -> None:
        """Use a given mask (bool, H x W) as the clothing every category replaces."""
        mask = np.asarray(mask, bool) & self.person
        self._clothing["upper"] = mask
        self._clothing["lower"] = mask

    def clothing(self, category: str) -> np.ndarray:
        """Boolean (H, W): the clothing a garment of this category replaces (computed once)."""
        if category == "dress":
            return self.clothing("upper") | self.clothing("lower")
        if category not in self._clothing:
            self._clothing[category] = segment_clothing(self, category)
        return self._clothing[category]


def analyse_person(image: np.ndarray, joints: np.ndarray, silhouette: np.ndarray) -> PersonParts:
    """Skin, head, hands and arms of the person (the clothing is segmented on demand)."""
    frame = body_frame(joints)
    shape = silhouette.shape
    person = silhouette > 0.5
    image_lab = lab(image)
    model = skin_model(image_lab, frame, person)
    if model is not None:
        skin = (model.distance(image_lab) < SKIN_DISTANCE) & person
        skin = cv2.morphologyEx(skin.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)).astype(bool)
        skin_rgb = np.median(image[skin], axis=0) if skin.any() else np.array([200, 160, 140])
    else:
        skin = np.zeros(shape, bool)
        skin_rgb = np.array([200, 160, 140])
    head = head_mask(image_lab, frame, person, skin)
    hands = np.zeros(shape, bool)
    for side in (0, 1):
        hands |= hand_zone(frame, side, shape) & person & skin
    hands = cv2.morphologyEx(hands.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8)).astype(bool)
    radius = 0.16 * frame.torso_length
    arms = arm_zone(frame, shape, radius) & ~above_line(shape, frame.neck, frame.down)
    bare_arms = (skin & arms) | hands
    return PersonParts(image=image, frame=frame, silhouette=silhouette.astype(np.float32), skin=skin, head=head,
                       hands=hands, bare_arms=bare_arms, skin_colour=np.asarray(skin_rgb, np.float64), lab=image_lab)


def clothing_seeds(parts: PersonParts, category: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(definite garment, definite not-garment, probable garment) for GrabCut."""
    frame = parts.frame
    person = parts.person
    t = frame.torso_length
    quad = torso_quad(frame)
    torso_core = polygon_mask(parts.shape, shrink_about_centre(quad, 0.6))
    thighs = leg_zone(frame, parts.shape, 0.07 * t, start=0.3, end=0.85)
    outside = cv2.dilate(person.astype(np.uint8), np.ones((5, 5), np.uint8)) == 0
    chin = above_line(parts.shape, frame.neck - frame.down * 0.45 * frame.shoulder_width, frame.down)
    not_garment = outside | chin | (parts.skin & ~torso_core) | parts.hands
    if category == "upper":
        wide = shrink_about_centre(quad, 1.0)
        wide[2:] += frame.down * 0.35 * t  # a long top reaches below the hips
        wide[:2] -= frame.down * 0.3 * frame.shoulder_width  # ... and up around the neck
        zone = polygon_mask(parts.shape, wide) | arm_zone(frame, parts.shape, 0.12 * t)
        zone = cv2.dilate(zone.astype(np.uint8), np.ones((15, 15), np.uint8)).astype(bool)
        sure = torso_core & ~parts.skin
        not_garment |= thighs & ~parts.skin
        ankles = leg_zone(frame, parts.shape, 0.1 * t, start=1.6, end=2.0)
        not_garment |= ankles
    else:  # lower
        zone = leg_zone(frame, parts.shape, 0.2 * t) | polygon_mask(parts.shape, np.array(
            [frame.hips[0] - frame.down * 0.2 * t - frame.across * 0.2 * t,
             frame.hips[1] - frame.down * 0.2 * t + frame.across * 0.2 * t,
             frame.hips[1] + frame.down * 0.4 * t + frame.across * 0.2 * t,
             frame.hips[0] + frame.down * 0.4 * t - frame.across * 0.2 * t]))
        sure = thighs & ~parts.skin
        chest = polygon_mask(parts.shape, shrink_about_centre(
            np.array([quad[0], quad[1], quad[2] - frame.down * 0.2 * t, quad[3] - frame.down * 0.2 * t]), 0.7))
        not_garment |= chest & ~parts.skin  # the top's middle is not the trousers
        for _, _, ankle in frame.legs:  # shoes and feet below the ankles
            foot = np.array([ankle + frame.down * 0.3 * t, ankle + frame.down * 0.6 * t])
            not_garment |= thick_polyline(parts.shape, foot, 0.22 * t)
    return sure & person, not_garment, zone & person


def segment_clothing(parts: PersonParts, category: str) -> np.ndarray:
    """Boolean (H, W): the person's clothing of a category ('upper' or 'lower')."""
    h, w = parts.shape
    scale = min(1.0, GRABCUT_SIDE / max(h, w))
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    small_rgb = cv2.resize(parts.image, size, interpolation=cv2.INTER_AREA)
    small = PersonParts(image=small_rgb, frame=scaled_frame(parts.frame, scale),
                        silhouette=cv2.resize(parts.silhouette, size, interpolation=cv2.INTER_LINEAR),
                        skin=resize_bool(parts.skin, size), head=resize_bool(parts.head, size),
                        hands=resize_bool(parts.hands, size), bare_arms=resize_bool(parts.bare_arms, size),
                        skin_colour=parts.skin_colour)
    sure, not_garment, probable = clothing_seeds(small, category)
    found = run_grabcut(small_rgb, grabcut_labels(sure, not_garment, probable))
    if found is None:
        found = probable & ~not_garment
    found &= probable & ~not_garment
    found = cv2.morphologyEx(found.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)).astype(bool)
    found = keep_touching(found, sure) if sure.any() else found
    full = upsample_snap(found, parts.image) & parts.person & ~parts.head & ~parts.hands
    zone = resize_bool(probable, (w, h)) & parts.person & ~parts.head & ~parts.hands & ~parts.skin
    full = grow_by_colour(full, parts.lab if parts.lab is not None else lab(parts.image), zone)
    log.info("%s clothing: %.1f%% of the photo", category, 100.0 * full.mean())
    return full


def grow_by_colour(mask: np.ndarray, image_lab: np.ndarray, allowed: np.ndarray, distance: float = 10.0) -> np.ndarray:
    """mask plus the pixels of `allowed` near its main colour that touch it (a collar in shadow, a seam).

    GrabCut works on a small image and may leave a rim or a thin part of the clothing out.
    """
    if mask.sum() < 50:
        return mask
    main = np.median(image_lab[mask], axis=0)
    near = allowed & (np.linalg.norm(image_lab - main, axis=-1) < distance)
    touching = cv2.dilate(mask.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    grown = mask | keep_touching(near | mask, touching & near | mask)
    return cv2.morphologyEx(grown.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)).astype(bool) & (
        allowed | mask)


def upsample_snap(mask: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """Upsample a boolean mask to the image's size, its edge snapped to the image's (guided filter)."""
    h, w = rgb.shape[:2]
    if mask.shape == (h, w):
        return mask
    soft = cv2.resize(mask.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    out = np.zeros((h, w), bool)
    if not (soft > 0).any():
        return out
    radius = int(max(2, round(1.5 * max(h, w) / max(mask.shape))))
    ys, xs = np.nonzero(soft > 0)
    y0, y1 = max(0, ys.min() - 2 * radius), min(h, ys.max() + 2 * radius + 1)
    x0, x1 = max(0, xs.min() - 2 * radius), min(w, xs.max() + 2 * radius + 1)
    out[y0:y1, x0:x1] = cv2.ximgproc.guidedFilter(rgb[y0:y1, x0:x1], soft[y0:y1, x0:x1], radius, 1e-3) > 0.5
    return out


def resize_bool(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A boolean mask resized to size (w, h)."""
    return cv2.resize(mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST).astype(bool)


def scaled_frame(frame: BodyFrame, scale: float) -> BodyFrame:
    """The body frame for an image resized by scale."""
    return body_frame(frame.joints * scale) if scale != 1.0 else frame
