"""Virtual try-on on arrays: analyse a person once, then put on any number of garments.

    person = analyse_person_photo(rgb)                 # landmarks, silhouette, skin, widths
    garment = prepare_garment(garment_rgb, category="auto")
    dressed = put_on(person, garment)                  # uint8 RGB, the person photo's size

The pieces: ``perception.garment_cutout`` (cut-out), ``perception.garment`` (key points,
category), ``perception.person_parts`` and ``perception.body_measure`` (the person),
``imaging.garment_fit`` (where the key points go), ``imaging.tryon`` (warp, shading, layers,
fill).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from toolkit.errors import InputError
from toolkit.imaging.garment_fit import NECK_HALF, NECK_UP, fit_garment
from toolkit.imaging.tryon import Occlusion, decontaminate, dress, part_alpha, soften, warp_part
from toolkit.perception.body_measure import BodyMeasure, measure_body
from toolkit.perception.garment import GarmentShape, analyse_garment
from toolkit.perception.garment_cutout import Cutout, cut_out
from toolkit.perception.person_parts import (PersonParts, above_line, analyse_person, arm_zone, leg_zone,
                                             polygon_mask, thick_polyline)

log = logging.getLogger(__name__)

NECK_DEPTH = 0.1  # how far a round neckline dips below the neck's base, x shoulder width
PART_OVERLAP = 0.004  # a garment's body part reaches this far (x the photo's longer side) under its sleeves


@dataclass
class Person:
    """A person photo analysed for try-on."""

    parts: PersonParts
    measure: BodyMeasure

    @property
    def image(self) -> np.ndarray:
        return self.parts.image


@dataclass(frozen=True)
class Garment:
    """A garment cut out of its photo, with its category and key points."""

    cutout: Cutout
    shape: GarmentShape

    @property
    def category(self) -> str:
        return self.shape.category


def analyse_person_photo(rgb: np.ndarray) -> Person:
    """Find the person (InputError if there is none) and everything a try-on needs about them."""
    from toolkit.perception.body import detect_body_and_mask

    body, silhouette = detect_body_and_mask(rgb)
    if body is None or silhouette.max() <= 0.5:
        raise InputError("no person found in the person image")
    joints = body.points.astype(np.float64)
    if not body.visible(0.3)[[11, 12, 23, 24]].all():
        log.warning("the person's shoulders or hips are hardly visible; the fit may be off")
    parts = analyse_person(rgb, joints, silhouette)
    return Person(parts, measure_body(parts.person, parts.frame))


def prepare_garment(rgb: np.ndarray, mask: np.ndarray | None = None, category: str = "auto") -> Garment:
    """Cut the garment out (or use its mask) and find its category and key points."""
    cutout = cut_out(rgb, mask)
    shape = analyse_garment(cutout.mask, category)
    if shape.category in ("upper", "dress") and not {"shoulder_left", "shoulder_right", "hem_left"} <= set(shape.points):
        raise InputError("could not find the garment's shoulders and hem; check --category or give --garment-mask")
    if shape.category == "lower" and "waist_left" not in shape.points:
        raise InputError("could not find the garment's waistband; check --category or give --garment-mask")
    return Garment(cutout, shape)


def bare_body(person: Person, category: str) -> np.ndarray:
    """Boolean (H, W): where the body itself (not clothing or background) lies under this category's clothing."""
    m = person.measure
    f = m.frame
    shape = person.parts.shape
    zone = np.zeros(shape, bool)
    if category in ("upper", "dress"):
        zone |= arm_zone(f, shape, 0.9 * min(m.arm_half_width))
        levels = np.linspace(0.1, 1.0, 10)
        left = [m.centre(v) - f.across * 0.92 * m.half_widths(v)[0] for v in levels]
        right = [m.centre(v) + f.across * 0.92 * m.half_widths(v)[1] for v in levels]
        zone |= polygon_mask(shape, np.array(left + right[::-1]))
    if category in ("lower", "dress"):
        for index in (0, 1):
            zone |= thick_polyline(shape, np.array(f.legs[index]), 0.9 * float(m.leg_half_width[index].min()))
    return zone & person.parts.person


def occlusion(person: Person, category: str) -> Occlusion:
    """What stays in front of a garment of this category."""
    p = person.parts
    if category in ("upper", "dress"):
        head = (p.head & ~p.clothing("upper")) | neck_opening(person)
        body = head | p.hands | p.bare_arms
        sleeves = head | p.hands
        return Occlusion(soften(body), soften(sleeves))
    f = p.frame
    crotch = f.pelvis + f.down * 0.2 * f.torso_length
    above_crotch = above_line(p.shape, crotch, f.down)
    front = p.hands | p.bare_arms | p.head | (p.person & ~p.clothing("lower") & above_crotch)
    front &= ~(leg_zone(f, p.shape, 0.05 * f.torso_length, start=0.5) & p.clothing("lower"))
    return Occlusion(soften(front), soften(front))


def neck_opening(person: Person) -> np.ndarray:
    """Boolean (H, W): the bare neck a round neckline leaves showing (skin only).

    A flat garment photo shows the inside of its back through the neckline; worn, the neck is
    there.  The opening is a half-ellipse below the collar line, as wide as the neck.
    """
    f = person.parts.frame
    w = f.shoulder_width
    centre = f.neck - f.down * (NECK_UP - 0.02) * w
    axes = (int(round(0.8 * NECK_HALF * w)), int(round(NECK_DEPTH * w)))
    angle = float(np.degrees(np.arctan2(f.across[1], f.across[0])))
    mask = np.zeros(person.parts.shape, np.uint8)
    cv2.ellipse(mask, (int(round(centre[0])), int(round(centre[1]))), axes, angle, 0, 180, 1, -1)
    return mask.astype(bool) & person.parts.skin


def put_on(person: Person, garment: Garment, seed: int = 0) -> np.ndarray:
    """The person photo wearing the garment: uint8 RGB of the person photo's size."""
    shape = person.parts.shape
    fits = fit_garment(garment.shape, person.measure)
    grow = max(1, int(PART_OVERLAP * max(garment.cutout.alpha.shape)))
    colours = decontaminate(garment.cutout.rgb, garment.cutout.alpha)
    layers = []
    for fit in fits:
        part = garment.shape.parts.get(fit.name)
        alpha = part_alpha(garment.cutout.alpha, part, grow if fit.name == "body" else 0)
        layers.append(warp_part(colours, alpha, fit, shape))
    pieces = ("upper", "lower") if garment.category == "dress" else (garment.category,)
    old = [person.parts.clothing(piece) for piece in pieces]
    return dress(person.image, layers, occlusion(person, garment.category), old,
                 bare_body(person, garment.category), person.parts.skin, person.parts.skin_colour,
                 person.parts.person, seed, image_lab=person.parts.lab)
