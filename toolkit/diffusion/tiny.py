"""Tiny random-weight components with the real architectures, built locally for CI and smoke tests.

The configurations follow diffusers' own fast tests (tests/pipelines/stable_video_diffusion/ and
tests/pipelines/wan/) shrunk further; nothing is read from the hub.  A tiny model renders noise.
"""

from __future__ import annotations

from typing import Any

import torch

TEXT_TOKENS = 8
TEXT_DIM = 32


def tiny_svd_components(seed: int = 0) -> dict[str, Any]:
    """UNet, temporal VAE (8x downsampling), CLIP image encoder and processor of a tiny SVD."""
    from diffusers import AutoencoderKLTemporalDecoder, EulerDiscreteScheduler, UNetSpatioTemporalConditionModel
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(seed)
    unet = UNetSpatioTemporalConditionModel(
        sample_size=8, in_channels=8, out_channels=4, block_out_channels=(32, 64), layers_per_block=1,
        down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
        up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
        cross_attention_dim=32, num_attention_heads=(4, 8), projection_class_embeddings_input_dim=96,
        addition_time_embed_dim=32, num_frames=14)
    torch.manual_seed(seed)
    vae = AutoencoderKLTemporalDecoder(block_out_channels=(32, 32, 32, 32), layers_per_block=1,
                                       down_block_types=("DownEncoderBlock2D",) * 4, latent_channels=4)
    scheduler = EulerDiscreteScheduler(  # the configuration SVD ships with
        beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", interpolation_type="linear",
        num_train_timesteps=1000, prediction_type="v_prediction", sigma_max=700.0, sigma_min=0.002,
        steps_offset=1, timestep_spacing="leading", timestep_type="continuous", use_karras_sigmas=True)
    torch.manual_seed(seed)
    encoder = CLIPVisionModelWithProjection(CLIPVisionConfig(
        hidden_size=32, projection_dim=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
        image_size=224, patch_size=14))
    processor = CLIPImageProcessor(crop_size=224, size=224)
    return {"unet": unet, "vae": vae, "scheduler": scheduler, "image_encoder": encoder,
            "feature_extractor": processor}


def tiny_wan_components(seed: int = 0) -> dict[str, Any]:
    """Transformer, causal 3D VAE (8x spatial, 4x temporal), UMT5 and CLIP encoders of a tiny Wan 2.1 I2V."""
    from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanTransformer3DModel
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel, UMT5Config, UMT5EncoderModel

    torch.manual_seed(seed)
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    torch.manual_seed(seed)
    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=36, out_channels=16,
        text_dim=TEXT_DIM, freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", rope_max_seq_len=32, image_dim=4, added_kv_proj_dim=24)
    scheduler = UniPCMultistepScheduler(  # the flow-matching configuration Wan 2.1 ships with
        prediction_type="flow_prediction", use_flow_sigmas=True, flow_shift=3.0, num_train_timesteps=1000)
    torch.manual_seed(seed)
    text_encoder = UMT5EncoderModel(UMT5Config(
        vocab_size=64, d_model=TEXT_DIM, d_kv=8, d_ff=32, num_layers=1, num_heads=4,
        relative_attention_num_buckets=8))
    torch.manual_seed(seed)
    image_encoder = CLIPVisionModel(CLIPVisionConfig(
        hidden_size=4, num_hidden_layers=2, num_attention_heads=2, intermediate_size=16, image_size=32,
        patch_size=4))
    processor = CLIPImageProcessor(crop_size=32, size=32)
    return {"transformer": transformer, "vae": vae, "scheduler": scheduler, "text_encoder": text_encoder,
            "tokenizer": None, "image_encoder": image_encoder, "image_processor": processor}


def tiny_wan22_components(seed: int = 0) -> dict[str, Any]:
    """A tiny Wan 2.2 I2V A14B: two transformer experts split by noise level, no image encoder."""
    from diffusers import WanTransformer3DModel

    components = tiny_wan_components(seed)
    experts = []
    for offset in range(2):
        torch.manual_seed(seed + offset)
        experts.append(WanTransformer3DModel(
            patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=36, out_channels=16,
            text_dim=TEXT_DIM, freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True,
            qk_norm="rms_norm_across_heads", rope_max_seq_len=32))
    components.update(transformer=experts[0], transformer_2=experts[1], image_encoder=None, image_processor=None,
                      boundary_ratio=0.9)
    return components


@torch.no_grad()
def tiny_text_embeddings(text_encoder: torch.nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    """Prompt and negative-prompt embeddings from fixed token ids (a tokenizer would need the hub)."""
    ids = torch.arange(1, TEXT_TOKENS + 1).unsqueeze(0)
    mask = torch.ones_like(ids)
    positive = text_encoder(ids, mask).last_hidden_state
    negative = text_encoder(torch.zeros_like(ids), mask).last_hidden_state
    return positive, negative
