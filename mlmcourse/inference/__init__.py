"""Inference: fill in masked words, the way ``pipeline("fill-mask")`` does, in batches.

- :func:`fill_mask` (``fill_mask.py``): the pipeline's records from any masked LM, batched;
- :func:`normalize_mask`: ``<mask>`` or ``[MASK]``, whatever the tokenizer's own spelling;
- :func:`load_model` (``loading.py``): the course checkpoint, a local folder or a Hub name -> (model, tokenizer);
- ``logits.py``: the head run only at the masked positions; ``numpy_bert.py``: a BERT forward pass in NumPy
  alone, which lets ``mlmcourse fill-mask`` answer without importing PyTorch.

Importing this package is cheap (NumPy only); PyTorch and transformers load when a model is.
"""

from __future__ import annotations

from mlmcourse.inference.fill_mask import fill_mask, normalize_mask, softmax_top_k, target_token_ids
from mlmcourse.inference.loading import COURSE_CHECKPOINT, course_checkpoint_dir, load_model

__all__ = ["COURSE_CHECKPOINT", "course_checkpoint_dir", "fill_mask", "load_model", "normalize_mask",
           "softmax_top_k", "target_token_ids"]
