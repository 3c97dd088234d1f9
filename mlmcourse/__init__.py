"""mlmcourse: the helper package behind the masked-language-modeling course.

One concept per module, in pipeline order:
corpora -> tokenization -> masking -> model -> training -> metrics / inference,
with widgets, plotting and the ``mlmcourse`` command line reading from all of them.
"""

from __future__ import annotations

__version__ = "0.1.0"

from mlmcourse.config import data_dir, models_dir, pick, smoke_mode
from mlmcourse.env import check_env

__all__ = ["__version__", "check_env", "data_dir", "models_dir", "pick", "smoke_mode"]
