"""Nyström attention: softmax attention through a few landmarks, in time and memory linear in the length.

Teaches: exact attention computes the (seq x seq) matrix softmax(Q K^T / sqrt(d)) for every head; written out, at
8,192 tokens and 12 heads that is 8,192 x 8,192 x 12 x 4 bytes = 3.2 GB in fp32 for one layer. PyTorch's fused
kernel (``sdpa``) avoids storing it, but its time still grows with seq^2.
Nyströmformer (Xiong et al. 2021, "Nyströmformer: A Nyström-based Algorithm for Approximating Self-Attention")
approximates the matrix through m *landmarks*, the means of m equal segments of the queries (Q~) and keys (K~)::

    softmax(Q K^T) V  ~  softmax(Q K~^T) . pinv(softmax(Q~ K~^T)) . softmax(Q~ K^T) V
                          (seq x m)         (m x m)                  (m x seq)    (seq x d)

Multiplied right to left, nothing of size seq x seq is ever built: time and memory grow as seq x m. The three
ingredients are here, one function each: ``segment_means`` (landmarks), ``iterative_pinv`` (the Moore-Penrose
pseudo-inverse by 6 Newton-Schulz-type steps, which need only matrix products, no SVD) and ``value_convolution``
(a depthwise convolution over the values, added to the output: it gives back local detail that a low-rank
approximation blurs). With one landmark per token (m = seq) the landmarks are the tokens themselves and the formula
is softmax attention again, up to how well 6 steps invert the matrix; the encoder's ``SelfAttention`` then computes
softmax attention directly (also when there are fewer tokens than landmarks), as transformers and the authors do.

Padding (the choice here, and why): transformers' ``NystromformerSelfAttention`` adds the padding mask only to the
third kernel, softmax(Q~ K^T); its landmarks still average padded queries and keys and its convolution still reads
padded values, so real tokens' outputs depend on what sits in the padding (and in transformers 5 a padding mask
with fewer landmarks than tokens fails on a shape mismatch; without padding it passes no mask and all is well).
Here, as in the authors' code (github.com/mlpen/Nystromformer, ``attention_nystrom.py``), padded queries, keys and
values are set to zero first and padded keys are masked in the third kernel. Real tokens' outputs then do not
depend on the padding's content (tested), and with m >= seq padding changes nothing at all. They still depend on
how much padding there is, because a segment mean divides by the segment's full length: pad to a fixed length.

Simplifies: no attention dropout (neither transformers nor the authors apply it here). The pseudo-inverse starts by
default from the authors' "original" scaling, one number for the whole batch, the only one transformers 5 can run;
6 steps do not fully converge, so a row's output then depends on the other rows of its batch (``tests/test_nystrom.py``
shows it on a random model). ``EncoderConfig(pinv_scale="matrix")`` uses each matrix's own scale
(the paper's formula) and keeps rows independent, at the price of the transformers twin.
Mirrors: ``NystromformerSelfAttention`` in ``transformers/models/nystromformer/modeling_nystromformer.py``; the tests
check our model against ``NystromformerForMaskedLM`` with the same weights.
"""

from __future__ import annotations

import torch
from torch import nn

from mlmcourse.errors import CourseError

PINV_ITERATIONS = 6  # the paper's and transformers' choice


def check_sequence_length(seq: int, num_landmarks: int) -> None:
    """Raise a :class:`CourseError` that says what to do when ``num_landmarks`` segments cannot split ``seq``.

    >>> check_sequence_length(512, 64)  # 64 segments of 8 tokens: fine
    >>> check_sequence_length(30, 64)  # fewer tokens than landmarks: exact attention, fine
    >>> check_sequence_length(100, 64)
    Traceback (most recent call last):
    mlmcourse.errors.CourseError: sequence length 100 is not a multiple of num_landmarks 64: ...
    """
    if seq <= num_landmarks or seq % num_landmarks == 0:
        return
    padded = -(-seq // num_landmarks) * num_landmarks  # the next multiple
    divisors = [d for d in range(num_landmarks, 0, -1) if seq % d == 0][:3]
    raise CourseError(
        f"sequence length {seq} is not a multiple of num_landmarks {num_landmarks}: Nyström attention averages "
        f"{num_landmarks} equal segments of the keys. Pad the batch to {padded} tokens (tokenizer(..., "
        f"padding='max_length', max_length={padded}) or pad_to_multiple_of={num_landmarks}), or choose "
        f"num_landmarks dividing {seq} (e.g. {', '.join(map(str, divisors))})."
    )


def segment_means(states: torch.Tensor, num_landmarks: int) -> torch.Tensor:
    """Landmarks: cut the sequence into ``num_landmarks`` equal segments and average each one.

    states (batch, heads, seq, head_size) -> (batch, heads, num_landmarks, head_size); seq % num_landmarks == 0.

    >>> states = torch.arange(8.0).reshape(1, 1, 8, 1)  # one head, 8 tokens, one feature: 0 1 2 ... 7
    >>> segment_means(states, 2).flatten().tolist()  # means of 0..3 and of 4..7
    [1.5, 5.5]
    """
    batch, heads, seq, head_size = states.shape
    segments = states.reshape(batch, heads, num_landmarks, seq // num_landmarks, head_size)  # (b, h, m, seq/m, d)
    return segments.mean(dim=-2)  # (batch, heads, num_landmarks, head_size)


def iterative_pinv(
    matrix: torch.Tensor, num_iterations: int = PINV_ITERATIONS, scale: str = "batch"
) -> torch.Tensor:
    """The Moore-Penrose pseudo-inverse of softmax matrices by ``num_iterations`` Newton-Schulz-type steps.

    matrix (..., m, m), rows summing to 1 -> (..., m, m). Start from Z = A^T / (largest column sum of A), so the
    eigenvalues of A Z lie in (0, 1], and repeat Z <- Z (13 I - A Z (15 I - A Z (7 I - A Z))) / 4 (Razavi et al.
    2014), which drives A Z to the identity using only matrix products. ``scale="batch"`` takes the largest
    column sum over the whole batch, as the authors' code and transformers do: after 6 steps the result is not
    fully converged, so a row's output then depends a little on the other rows of its batch. ``scale="matrix"``
    takes each matrix's own (the paper's formula), which keeps rows independent. Computed in fp32 even under
    autocast: 6 steps in bf16 lose too much.

    >>> matrix = torch.tensor([[0.75, 0.25], [0.25, 0.75]])
    >>> iterative_pinv(matrix).round(decimals=4).tolist(), torch.linalg.inv(matrix).tolist()
    ([[1.5, -0.5], [-0.5, 1.5]], [[1.5, -0.5], [-0.5, 1.5]])
    """
    if scale not in ("batch", "matrix"):
        raise CourseError(f"scale must be 'batch' or 'matrix', got {scale!r}.")
    with torch.autocast(matrix.device.type, enabled=False):
        matrix = matrix.float()  # (..., m, m)
        identity = torch.eye(matrix.size(-1), device=matrix.device)  # (m, m)
        column_sums = matrix.sum(dim=-2)  # (..., m)
        largest = column_sums.max() if scale == "batch" else column_sums.amax(dim=-1)[..., None, None]
        inverse = matrix.transpose(-1, -2) / largest  # (..., m, m): Z_0
        for _ in range(num_iterations):
            product = matrix @ inverse  # (..., m, m): A Z, tends to the identity
            inverse = (0.25 * inverse) @ (
                13 * identity - product @ (15 * identity - product @ (7 * identity - product))
            )  # (..., m, m)
    return inverse


def nystrom_kernels(
    query: torch.Tensor, key: torch.Tensor, num_landmarks: int, padding_mask: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The three softmax matrices of the approximation (see the module docstring).

    query/key (batch, heads, seq, head_size); padding_mask (batch, seq), 1 = real token. Returns
    kernel_1 (batch, heads, seq, m) = softmax(Q K~^T), kernel_2 (batch, heads, m, m) = softmax(Q~ K~^T) and
    kernel_3 (batch, heads, m, seq) = softmax(Q~ K^T), each scaled by 1/sqrt(head_size) like exact attention.
    """
    check_sequence_length(query.size(-2), num_landmarks)
    num_landmarks = min(num_landmarks, query.size(-2))  # more landmarks than tokens: each token is one
    scale = query.size(-1) ** -0.25  # split 1/sqrt(d) between Q and K, so the landmarks carry it too
    query, key = query * scale, key * scale  # (batch, heads, seq, head_size)
    if padding_mask is not None:  # padded queries and keys become zero vectors (see "Padding" above)
        real = padding_mask[:, None, :, None].to(query.dtype)  # (batch, 1, seq, 1)
        query, key = query * real, key * real
    query_landmarks = segment_means(query, num_landmarks)  # (batch, heads, m, head_size)
    key_landmarks = segment_means(key, num_landmarks)  # (batch, heads, m, head_size)
    kernel_1 = (query @ key_landmarks.transpose(-1, -2)).softmax(dim=-1)  # (batch, heads, seq, m)
    kernel_2 = (query_landmarks @ key_landmarks.transpose(-1, -2)).softmax(dim=-1)  # (batch, heads, m, m)
    scores_3 = query_landmarks @ key.transpose(-1, -2)  # (batch, heads, m, seq)
    if padding_mask is not None:  # padded keys get weight 0 (a finite minimum: a fully padded row stays finite)
        padded_keys = padding_mask[:, None, None, :] == 0  # (batch, 1, 1, seq)
        scores_3 = scores_3.masked_fill(padded_keys, torch.finfo(scores_3.dtype).min)
    return kernel_1, kernel_2, scores_3.softmax(dim=-1)  # kernel_3: (batch, heads, m, seq)


def nystrom_attention(
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    num_landmarks: int,
    padding_mask: torch.Tensor | None = None,
    pinv_scale: str = "batch",
) -> torch.Tensor:
    """Nyström approximation of softmax(Q K^T / sqrt(d)) V, multiplied right to left (no seq x seq matrix).

    query/key/value (batch, heads, seq, head_size) -> (batch, heads, seq, head_size); ``pinv_scale``: see
    :func:`iterative_pinv`.

    Landmarks summarise segments well when neighbouring tokens look alike, as in text. Here 64 tokens sit on
    a half circle (query = key), so each attends to its neighbours, and each value is the token's position:

    >>> angle = torch.arange(64.0) / 64 * torch.pi
    >>> query = 4 * torch.stack([angle.cos(), angle.sin()], dim=-1).reshape(1, 1, 64, 2)  # (1, 1, 64, 2)
    >>> value = torch.arange(64.0).reshape(1, 1, 64, 1)  # (1, 1, 64, 1)
    >>> exact = torch.nn.functional.scaled_dot_product_attention(query, query, value)
    >>> [round(float((nystrom_attention(query, query, value, m) - exact).norm() / exact.norm()), 3)
    ...  for m in (2, 4, 8, 64)]  # relative error: falls with more landmarks, ~0 with one per token
    [0.195, 0.041, 0.002, 0.0]
    """
    kernel_1, kernel_2, kernel_3 = nystrom_kernels(query, key, num_landmarks, padding_mask)
    through_landmarks = kernel_1 @ iterative_pinv(kernel_2, scale=pinv_scale).to(kernel_1.dtype)  # (b, h, seq, m)
    landmark_values = kernel_3 @ value  # (batch, heads, m, head_size): each landmark's weighted values
    return through_landmarks @ landmark_values  # (batch, heads, seq, head_size)


def nystrom_attention_matrix(
    query: torch.Tensor,
    key: torch.Tensor,
    num_landmarks: int,
    padding_mask: torch.Tensor | None = None,
    pinv_scale: str = "batch",
) -> torch.Tensor:
    """The (seq x seq) matrix that :func:`nystrom_attention` applies without building it: for plots only.

    query/key (batch, heads, seq, head_size) -> (batch, heads, seq, seq); rows sum to about 1.
    """
    kernel_1, kernel_2, kernel_3 = nystrom_kernels(query, key, num_landmarks, padding_mask)
    return kernel_1 @ iterative_pinv(kernel_2, scale=pinv_scale).to(kernel_1.dtype) @ kernel_3  # (b, h, seq, seq)


def value_convolution(num_heads: int, kernel_size: int) -> nn.Conv2d:
    """The depthwise convolution over values that Nyströmformer adds to the attention output.

    Values (batch, heads, seq, head_size) are read as an image with ``heads`` channels, height seq and width
    head_size; each head has one (kernel_size x 1) filter that slides along the sequence, so every output is a
    learned weighted sum of the ``kernel_size`` values around it (same weights for all features of the head).
    The same layer (and weight shape) as transformers' ``NystromformerSelfAttention.conv``.

    >>> value_convolution(num_heads=4, kernel_size=5).weight.shape  # (heads, 1, kernel, 1): 5 numbers per head
    torch.Size([4, 1, 5, 1])
    """
    return nn.Conv2d(num_heads, num_heads, kernel_size=(kernel_size, 1), padding=(kernel_size // 2, 0),
                     bias=False, groups=num_heads)


def convolve_values(
    convolution: nn.Conv2d, value: torch.Tensor, padding_mask: torch.Tensor | None = None
) -> torch.Tensor:
    """The convolution's share of the output; padded values are zeroed first so they do not leak into neighbours.

    value (batch, heads, seq, head_size) -> (batch, heads, seq, head_size).

    >>> convolution = value_convolution(num_heads=1, kernel_size=3)
    >>> _ = convolution.weight.data.fill_(1.0)  # each output: the sum of a value and its two neighbours
    >>> value = torch.tensor([1.0, 2.0, 4.0, 8.0]).reshape(1, 1, 4, 1)
    >>> convolve_values(convolution, value).flatten().tolist()
    [3.0, 7.0, 14.0, 12.0]
    >>> convolve_values(convolution, value, padding_mask=torch.tensor([[1, 1, 1, 0]])).flatten().tolist()
    [3.0, 7.0, 6.0, 4.0]
    """
    if padding_mask is not None:
        value = value * padding_mask[:, None, :, None].to(value.dtype)  # (batch, heads, seq, head_size)
    return convolution(value)  # (batch, heads, seq, head_size)
