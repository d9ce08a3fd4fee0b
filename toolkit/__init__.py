"""Turn one image into a short video: click, portrait, pose and outfit modes on shared backbones."""
