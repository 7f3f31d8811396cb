"""Secrets written inline are refused before anything else looks at a document: a key such as
``clientSecret``, ``password`` or ``connectionString`` anywhere in the YAML is reported with the
way to do it instead (``secretEnv``), and its value is never repeated in any message."""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from typing import Any

from goldfleet.config.diagnostics import Path

ALLOWED_KEYS = frozenset({"secretenv"})  # the reference to a secret, which is what we want
_SECRET_WORDS = re.compile(
    r"secret|password|passwd|passphrase|privatekey|accesskey|accountkey|apikey|sastoken"
    r"|connectionstring|^pwd$|^token$|accesstoken|refreshtoken"
)

MESSAGE = (
    "a secret must not be written in the configuration: put it in an environment variable"
    " and name the variable with secretEnv (e.g. secretEnv: GOLDFLEET_CLIENT_SECRET)"
)


def is_secret_key(key: str) -> bool:
    normalised = re.sub(r"[^a-z0-9]", "", key.lower())
    return normalised not in ALLOWED_KEYS and bool(_SECRET_WORDS.search(normalised))


def inline_secrets(data: Any, path: Path = ()) -> Iterator[Path]:
    """The paths of keys that hold a secret value (a non-empty scalar) in ``data``."""
    if isinstance(data, dict):
        for key, value in data.items():
            here = (*path, str(key))
            if (
                is_secret_key(str(key))
                and value not in (None, "")
                and not isinstance(value, dict | list)
            ):
                yield here
            else:
                yield from inline_secrets(value, here)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from inline_secrets(item, (*path, index))


def under(path: Path, secret_paths: AbstractSet[Path]) -> bool:
    """Whether ``path`` is one of ``secret_paths`` or below one (a lookup per prefix, so that
    checking every error of a large document against every secret stays linear)."""
    return any(path[:n] in secret_paths for n in range(len(path) + 1))
