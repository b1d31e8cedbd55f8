"""Hypothesis profiles for the test suite.

``ci`` (the default) is derandomized: every run tries the same examples, so a
failure reproduces on any machine. ``dev`` explores more, with fresh examples
each run: ``HYPOTHESIS_PROFILE=dev python3 -m pytest tests``.
"""

import os

from hypothesis import HealthCheck, settings

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
