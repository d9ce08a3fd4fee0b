"""Diffusion backbones: stock diffusers image-to-video pipelines (SVD, Wan) conditioned by a mode's MotionPlan.

registry   names, checkpoints and defaults of the known models
tiny       tiny random-weight components of the same architectures (CI, smoke tests)
loading    build a pipeline and apply device, dtype and memory switches
conditioning, windows   pure functions: noise levels, re-noising, masks, window plans, blends
hooks      a shortened schedule and a step-end latent pin, hooked into the stock sampling loop
adapters   per-family latent layout, VAE encoding and pipeline call
backbone   the Backbone that ties them together
"""
