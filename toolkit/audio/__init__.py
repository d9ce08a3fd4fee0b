"""Speech audio for talking portraits: streaming decode with ffmpeg and per-video-frame features."""
