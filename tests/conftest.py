"""Hypothesis profiles for the test suite, and the examples' folder on sys.path.

``ci`` (the default) is derandomized: every run tries the same examples, so a
failure reproduces on any machine. ``dev`` explores more, with fresh examples
each run: ``HYPOTHESIS_PROFILE=dev python3 -m pytest tests``.
"""

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

# The examples import their shared helpers with ``from _cli import ...``, which
# works when one runs them as scripts because Python puts the script's folder
# on sys.path. The tests load them by file path, so they add that folder here.
sys.path.append(str(Path(__file__).resolve().parents[1] / "examples"))

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,  # examples come from the seed alone, never from a local example database
    max_examples=60,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
