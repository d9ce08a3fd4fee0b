"""Portrait mode speed and memory, process start to mp4 written, on 2 cores.

    .venv/bin/python bench/bench_portrait.py [--runs 3] [--long-seconds 240]

Inputs need no download: scikit-image's astronaut photo at 512x512 and the bundled speech
(toolkit/data/speech_hello.ogg) looped with ffmpeg to 10 s and to 4 minutes.  Prints:
- start-up: `animate --help` (interpreter and command line) and a 1-frame render (plus the
  face mesh and the whole audio analysis), each the median of --runs;
- 10 s of speech end to end against the 8 s target, and the rendering rate once start-up is
  taken off, as a multiple of real time (target at least 2x);
- 4 minutes of speech end to end as a real-time factor (target at most 0.5), and its peak
  memory against the 10 s run's (target at most 1.5x).
Each run is a fresh process; peak memory is the largest resident set of the process tree.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import imageio_ffmpeg

SPEECH = Path(__file__).resolve().parents[1] / "toolkit" / "data" / "speech_hello.ogg"
TARGET_10S_SECONDS = 8.0
TARGET_SPEED = 2.0
TARGET_RTF = 0.5
TARGET_MEMORY_RATIO = 1.5

_TIMED_RUN = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def timed(command: list[str]) -> dict:
    """Wall time and peak resident memory of one command run in a fresh process."""
    out = subprocess.run([sys.executable, "-c", _TIMED_RUN, *command], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def median_run(command: list[str], runs: int) -> dict:
    results = [timed(command) for _ in range(runs)]
    return {"seconds": statistics.median(r["seconds"] for r in results),
            "peak_mb": max(r["peak_mb"] for r in results), "all": [round(r["seconds"], 2) for r in results]}


def make_inputs(folder: Path, long_seconds: float) -> tuple[Path, Path, Path]:
    import cv2
    from skimage import data

    image = folder / "astronaut_512.png"
    cv2.imwrite(str(image), cv2.resize(data.astronaut(), (512, 512), interpolation=cv2.INTER_AREA)[..., ::-1])
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    clips = []
    for seconds in (10.0, long_seconds):
        clip = folder / f"speech_{int(seconds)}s.wav"
        subprocess.run([ffmpeg, "-v", "error", "-y", "-stream_loop", "-1", "-i", str(SPEECH), "-t", str(seconds),
                        "-ac", "1", "-ar", "16000", str(clip)], check=True)
        clips.append(clip)
    return image, clips[0], clips[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--long-seconds", type=float, default=240.0)
    args = parser.parse_args()
    exe = shutil.which("animate", path=str(Path(sys.executable).parent))
    animate = [exe] if exe else [sys.executable, "-m", "toolkit.cli"]
    with tempfile.TemporaryDirectory() as folder:
        image, short, long = make_inputs(Path(folder), args.long_seconds)
        out = str(Path(folder) / "out.mp4")
        portrait = [*animate, "portrait", str(image), "-o", out, "--audio"]
        cli = median_run([*animate, "--help"], args.runs)
        one_frame = median_run([*portrait, str(short), "--frames", "1"], args.runs)
        ten = median_run([*portrait, str(short)], args.runs)
        long_run = median_run([*portrait, str(long)], 1)
    frames = 250
    render_seconds = max(ten["seconds"] - one_frame["seconds"], 1e-6)
    speed = 10.0 / render_seconds
    rtf = long_run["seconds"] / args.long_seconds
    ratio = long_run["peak_mb"] / ten["peak_mb"]
    print(f"start-up: `animate --help` {cli['seconds']:.2f} s; a 1-frame render (imports, face mesh, whole audio analysis, "
          f"encoder) {one_frame['seconds']:.2f} s")
    print(f"10 s of speech at 512x512, end to end: runs {ten['all']} s; median {ten['seconds']:.2f} s "
          f"({ten['seconds'] / TARGET_10S_SECONDS:.2f} of the {TARGET_10S_SECONDS:.0f} s target)")
    print(f"rendering alone: {frames} frames in {render_seconds:.2f} s = {frames / render_seconds:.0f} fps, "
          f"{speed:.1f}x real time (target {TARGET_SPEED:.0f}x)")
    print(f"{args.long_seconds / 60:.0f} min of speech end to end: {long_run['seconds']:.1f} s, real-time factor {rtf:.2f} "
          f"(target at most {TARGET_RTF})")
    print(f"peak memory: 10 s {ten['peak_mb']:.0f} MB, {args.long_seconds / 60:.0f} min {long_run['peak_mb']:.0f} MB, "
          f"ratio {ratio:.2f} (target at most {TARGET_MEMORY_RATIO})")


if __name__ == "__main__":
    main()
