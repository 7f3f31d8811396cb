"""``api-version``: required on every ARM request; any real, dated version is accepted.

Clients mix many versions (one az session sends five for Compute alone), so the emulator keeps
one internal model per resource and accepts any well-formed version from 2014 on.
"""

from __future__ import annotations

import re
from datetime import date

from goldfleet.emulator.arm.errors import ArmError

_PATTERN = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(-(preview|privatepreview|beta|alpha))?$", re.I)


def check_api_version(value: str | None, resource_type: str = "") -> str:
    if value is None or value == "":
        raise ArmError(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
    match = _PATTERN.match(value)
    valid = False
    if match:
        try:
            valid = date(int(match[1]), int(match[2]), int(match[3])).year >= 2014
        except ValueError:
            valid = False
    if not valid:
        what = f" for the resource type '{resource_type}'" if resource_type else ""
        raise ArmError(
            400,
            "InvalidApiVersionParameter",
            f"The api-version '{value}' is invalid{what}. The api-version must be a date in "
            "the form 'yyyy-mm-dd', optionally followed by '-preview'.",
        )
    return value
