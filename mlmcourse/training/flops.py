"""How much arithmetic one training token costs, and model-FLOP utilisation (MFU).

What it teaches: throughput in tokens/s says how fast *this* run is; MFU says how much of the hardware it uses:
``MFU = FLOPs per token * tokens per second / peak FLOP/s``. A matmul of a (1 x a) row by an (a x b) matrix costs
``2ab`` FLOPs (one multiply and one add per weight). Per token and per encoder layer the forward pass costs

- ``8 h^2``   the Q, K, V and output projections (four h x h matrices),
- ``4 h i``   the feed-forward block (h x i up, i x h down),
- ``4 s h``   attention itself: scores ``Q K^T`` (``2 s h``) and the weighted sum of values (``2 s h``);

and the MLM head costs ``2 h^2 + 2 h V`` (transform, then the vocabulary projection) at every position it runs
on: all of them with a dense head, only the masked ~15 % with a sparse head. Backward costs about twice the
forward, so training costs ``3 x forward``. This is the ``6 N`` rule of thumb (N = parameters in matmuls) plus
the attention and head terms, as in the PaLM paper's appendix (Chowdhery et al., 2022) and nanoGPT's
``estimate_mfu``.

What it simplifies: embeddings lookups, LayerNorm, softmax and GELU are left out (a few %); peak figures are the
vendors' dense bf16 numbers; on a CPU the "peak" is a measured matmul ceiling (``hardware.cpu_peak_flops``), not a
datasheet value.
"""

from __future__ import annotations

import torch

from mlmcourse.errors import CourseError

# Dense (no sparsity) bf16/fp16 tensor-core peaks in TFLOP/s from the vendors' data sheets. fp32 on these GPUs runs
# as TF32 at half these rates. Longer names first: "H100 PCIe" must match before "H100".
GPU_PEAK_TFLOPS: dict[str, float] = {
    "H100 PCIe": 756.0,
    "H100 NVL": 835.0,
    "H100": 989.0,
    "H200": 989.0,
    "A100": 312.0,
    "L4": 121.0,
    "A10": 125.0,
    "V100": 125.0,
    "T4": 65.0,
}


def training_flops_per_token(
    *,
    num_layers: int,
    hidden_size: int,
    intermediate_size: int,
    vocab_size: int,
    seq_len: int,
    predicted_fraction: float = 1.0,
) -> float:
    """Training FLOPs (forward + backward) per input token of a BERT-style encoder with an MLM head.

    ``predicted_fraction`` is the share of positions the head runs on: 1.0 for a dense head, the mask rate (0.15)
    for a sparse head. Worked example, 2 layers, hidden 128, intermediate 512, vocabulary 8000, 128 tokens:

    >>> training_flops_per_token(num_layers=2, hidden_size=128, intermediate_size=512, vocab_size=8000, seq_len=128)
    8994816.0
    >>> round(training_flops_per_token(num_layers=2, hidden_size=128, intermediate_size=512, vocab_size=8000,
    ...                                seq_len=128, predicted_fraction=0.15))
    3688858

    (per layer 131,072 + 262,144 + 65,536 = 458,752; head 32,768 + 2,048,000; times 3 for training).
    """
    h, i = hidden_size, intermediate_size
    per_layer = 8 * h * h + 4 * h * i + 4 * seq_len * h
    head = (2 * h * h + 2 * h * vocab_size) * predicted_fraction
    return 3.0 * (num_layers * per_layer + head)


def model_shape(model: torch.nn.Module) -> dict[str, int]:
    """Layers, hidden, intermediate and vocabulary sizes of our ``MaskedLM`` or a Hugging Face masked LM
    (DistilBERT calls its feed-forward width ``hidden_dim``)."""
    config = model.config
    layers = getattr(config, "num_layers", None) or getattr(config, "num_hidden_layers", None)
    if layers is None:
        raise CourseError(f"cannot read the number of layers from {type(config).__name__}; expected "
                          "`num_layers` (mlmcourse EncoderConfig) or `num_hidden_layers` (transformers BertConfig)")
    return {"num_layers": int(layers), "hidden_size": int(config.hidden_size),
            "intermediate_size": int(getattr(config, "intermediate_size", None) or config.hidden_dim),
            "vocab_size": int(config.vocab_size)}


def peak_flops(device: torch.device | str, precision: str = "bf16", hidden_size: int = 128, tokens: int = 2048,
               measure: bool = False) -> float | None:
    """The peak FLOP/s MFU is measured against: a GPU's data-sheet figure, a CPU's measured matmul ceiling.

    On a CPU the ceiling is :func:`mlmcourse.training.hardware.cpu_peak_flops` (several >= 1 s matmuls, cached per
    machine); without ``measure`` only a cached value is used. Returns None when unknown (an unlisted GPU, MPS, a CPU
    not measured yet): then MFU is not reported. Pass a figure yourself with ``TrainConfig(peak_tflops=...)``.
    """
    device = torch.device(device)
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
        for key, tflops in GPU_PEAK_TFLOPS.items():
            if key in name:
                return tflops * 1e12 * (0.5 if precision == "fp32" else 1.0)
        return None
    if device.type == "cpu":
        from mlmcourse.training.hardware import cpu_peak_flops

        found = cpu_peak_flops(precision, hidden_size, tokens, measure=measure)
        return found["flops"] if found else None
    return None


def mfu(flops_per_token: float, tokens_per_second: float, peak: float | None) -> float | None:
    """Model-FLOP utilisation: the share of ``peak`` FLOP/s the model's own arithmetic uses.

    >>> mfu(flops_per_token=6e6, tokens_per_second=10_000, peak=1.5e11)
    0.4
    """
    if not peak:
        return None
    return flops_per_token * tokens_per_second / peak
