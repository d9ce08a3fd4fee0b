"""Time and memory of per-frame speech analysis: 10 s of speech against 4 minutes of it.

    .venv/bin/python bench/bench_audio.py [--speech PATH] [--fps 25] [--repeat 3]

Both clips are cut from one real speech file with ffmpeg into a temporary folder: its first
10 s, and the file looped to 4 minutes (WAV, as decoded by the user's file would be). Each clip
is analysed by `analyse_audio` in a fresh Python process, so the peak memory it reports is its
own: peak RSS (ru_maxrss) after import and after analysis, the peak of Python-side allocations
(tracemalloc, in a separate run because tracing slows the maths). ffmpeg's own memory is not
counted: RUSAGE_CHILDREN would report the forking interpreter's size, not the decoder's.
Prints the figures and the 4 min / 10 s ratios: time should grow about in proportion to the
audio (less, with fixed costs), peak memory hardly at all.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import imageio_ffmpeg

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SPEECH = REPO.parent / "shared" / "assets" / "portrait" / "speech_en_2.wav"
CLIPS = {"10 s": 10.0, "4 min": 240.0}


def make_clip(speech: Path, seconds: float, out: Path) -> Path:
    """Loop speech as often as needed and cut it to seconds, as 16-bit WAV at the source's rate."""
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-nostdin", "-stream_loop", "-1", "-i", str(speech),
         "-t", f"{seconds}", "-c:a", "pcm_s16le", str(out)],
        check=True,
    )
    return out


def measure_in_this_process(path: Path, fps: float, repeat: int) -> dict:
    """Import, analyse path (first call, then best of repeat), and read the peak memory figures."""
    start = time.perf_counter()
    from toolkit.audio.features import analyse_audio

    import_s = time.perf_counter() - start
    rss_after_import_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    features = analyse_audio(path, fps)
    first_s = time.perf_counter() - start
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        analyse_audio(path, fps)
        runs.append(time.perf_counter() - start)
    peak_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    analyse_audio(path, fps)
    python_peak_bytes = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "duration_s": features.duration,
        "n_frames": features.n_frames,
        "import_s": import_s,
        "first_s": first_s,
        "best_s": min(runs) if runs else first_s,
        "rss_after_import_mb": rss_after_import_kb / 1024,
        "peak_rss_mb": peak_rss_kb / 1024,
        "python_peak_mb": python_peak_bytes / 2**20,
    }


def measure_in_fresh_process(path: Path, fps: float, repeat: int) -> dict:
    """measure_in_this_process run by a new interpreter, so its peak memory starts from nothing."""
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--fps", str(fps), "--repeat", str(repeat)],
        check=True, capture_output=True, text=True, cwd=REPO,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def print_report(results: dict[str, dict]) -> None:
    """One row per clip, then the ratios of the long clip to the short one."""
    print(f"{'clip':<6} {'audio s':>8} {'frames':>7} {'import s':>9} {'first s':>8} {'best s':>7} {'x realtime':>11} "
          f"{'RSS import MB':>14} {'peak RSS MB':>12} {'python peak MB':>15}")
    for name, r in results.items():
        print(f"{name:<6} {r['duration_s']:8.1f} {r['n_frames']:7d} {r['import_s']:9.3f} {r['first_s']:8.3f} "
              f"{r['best_s']:7.3f} {r['duration_s'] / r['best_s']:11.0f} {r['rss_after_import_mb']:14.1f} "
              f"{r['peak_rss_mb']:12.1f} {r['python_peak_mb']:15.2f}")
    short, long = results["10 s"], results["4 min"]
    print(f"4 min / 10 s: audio {long['duration_s'] / short['duration_s']:.1f}x, "
          f"time {long['best_s'] / short['best_s']:.1f}x (first call {long['first_s'] / short['first_s']:.1f}x), "
          f"peak RSS {long['peak_rss_mb'] / short['peak_rss_mb']:.2f}x, "
          f"RSS growth over import {_growth(long) / max(_growth(short), 0.1):.2f}x "
          f"({_growth(short):.1f} -> {_growth(long):.1f} MB), "
          f"python peak {long['python_peak_mb'] / short['python_peak_mb']:.2f}x")


def _growth(result: dict) -> float:
    """MB the peak RSS rose above what importing the toolkit took."""
    return result["peak_rss_mb"] - result["rss_after_import_mb"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speech", type=Path, default=DEFAULT_SPEECH, help="real speech to cut the clips from")
    parser.add_argument("--fps", type=float, default=25.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        sys.path.insert(0, str(REPO))
        print(json.dumps(measure_in_this_process(args.child, args.fps, args.repeat)))
        return
    if not args.speech.is_file():
        sys.exit(f"no speech file at {args.speech}; pass one with --speech")
    with tempfile.TemporaryDirectory() as folder:
        results = {
            name: measure_in_fresh_process(make_clip(args.speech, seconds, Path(folder) / f"{seconds:.0f}s.wav"),
                                           args.fps, args.repeat)
            for name, seconds in CLIPS.items()
        }
    print(f"speech: {args.speech.name}, fps {args.fps:g}")
    print_report(results)


if __name__ == "__main__":
    main()
