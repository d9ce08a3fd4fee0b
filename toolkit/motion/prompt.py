"""Short motion prompts ("sway gently", "rise and spin") to motion primitives."""

from __future__ import annotations

import re
from dataclasses import dataclass

from toolkit.errors import InputError
from toolkit.motion.primitives import MOTIONS

DEFAULT_MOTION = "sway"

# Inflections and synonyms users type, mapped to a motion's name.
SYNONYMS: dict[str, str] = {
    "sways": "sway", "swaying": "sway", "swing": "sway", "swings": "sway", "swinging": "sway",
    "waves": "wave", "waving": "wave", "wavy": "wave",
    "flutters": "flutter", "fluttering": "flutter", "tremble": "flutter", "trembling": "flutter",
    "flows": "flow", "flowing": "flow", "stream": "flow", "streaming": "flow",
    "ripples": "ripple", "rippling": "ripple",
    "swirls": "swirl", "swirling": "swirl", "twist": "swirl", "twisting": "swirl",
    "rises": "rise", "rising": "rise", "ascend": "rise", "ascends": "rise", "ascending": "rise", "lift": "rise",
    "falls": "fall", "falling": "fall", "drop": "fall", "drops": "fall", "dropping": "fall", "sink": "fall", "sinks": "fall",
    "rotates": "rotate", "rotating": "rotate", "turn": "rotate", "turns": "rotate", "turning": "rotate", "tilt": "rotate",
    "spins": "spin", "spinning": "spin",
    "zooms": "zoom", "zooming": "zoom", "grow": "zoom", "grows": "zoom", "approach": "zoom",
    "pulses": "pulse", "pulsing": "pulse", "pulsate": "pulse", "throb": "pulse", "beat": "pulse",
    "bounces": "bounce", "bouncing": "bounce", "hop": "bounce", "hops": "bounce", "jump": "bounce", "jumps": "bounce",
    "shakes": "shake", "shaking": "shake", "jitter": "shake", "vibrate": "shake",
    "nods": "nod", "nodding": "nod", "bob": "nod",
    "floats": "float", "floating": "float", "hover": "float", "hovers": "float",
}
DRIFT_WORDS = {"drift", "drifts", "drifting", "move", "moves", "moving", "slide", "slides", "go", "goes"}
SIDES = {"left": "drift left", "right": "drift right", "up": "rise", "down": "fall", "upward": "rise",
         "upwards": "rise", "downward": "fall", "downwards": "fall"}
AMOUNT_WORDS = {
    "gently": 0.5, "gentle": 0.5, "slightly": 0.5, "slight": 0.5, "softly": 0.5, "subtly": 0.4, "subtle": 0.4,
    "a": 1.0, "little": 0.6, "bit": 1.0,
    "strongly": 1.6, "strong": 1.6, "wildly": 2.0, "wild": 2.0, "hard": 1.6, "vigorously": 1.8, "big": 1.5,
    "very": 1.3, "much": 1.3, "lot": 1.3,
}
SPEED_WORDS = {"slowly": 0.5, "slow": 0.5, "quickly": 2.0, "quick": 2.0, "fast": 2.0, "rapidly": 2.0}
FILLER = {
    "the", "an", "and", "then", "while", "with", "in", "on", "of", "it", "its", "to", "is", "are", "be",
    "back", "forth", "around", "away", "about", "please", "make", "let", "gets", "get",
}


@dataclass(frozen=True)
class MotionRequest:
    """One motion asked for by a prompt."""

    name: str
    amount: float = 1.0
    speed: float = 1.0


def known_words() -> list[str]:
    return sorted(MOTIONS)


def parse_prompt(prompt: str | None) -> list[MotionRequest]:
    """Motions named by a prompt; the default motion when it names none.

    Adverbs scale the amplitude ("gently", "wildly") or the speed ("slowly", "fast") of the
    whole prompt.  A word that is neither a motion nor a known modifier is an error that
    lists the known motions.
    """
    words = re.findall(r"[a-z]+", (prompt or "").lower())
    names: list[str] = []
    amount, speed = 1.0, 1.0
    index = 0
    while index < len(words):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else None
        if word in DRIFT_WORDS and following in SIDES:
            names.append(SIDES[following])
            index += 2
            continue
        if word.startswith("drift"):
            names.append("drift right")
        elif word in MOTIONS:
            names.append(word)
        elif word in SYNONYMS:
            names.append(SYNONYMS[word])
        elif word in SIDES:
            names.append(SIDES[word])
        elif word in AMOUNT_WORDS:
            amount *= AMOUNT_WORDS[word]
        elif word in SPEED_WORDS:
            speed *= SPEED_WORDS[word]
        elif word not in FILLER and word not in DRIFT_WORDS:
            raise InputError(
                f"unknown motion word '{word}' in prompt '{prompt}'; known motions: " + ", ".join(known_words())
            )
        index += 1
    if not names:
        names = [DEFAULT_MOTION]
    unique = list(dict.fromkeys(names))
    return [MotionRequest(name, amount, speed) for name in unique]
