"""Secrets written inline are refused before anything else looks at a document: a key such as
``clientSecret``, ``password`` or ``connectionString`` anywhere in the YAML is reported with the
way to do it instead (``secretEnv``), and its value is never repeated in any message.

Values are looked at too (``secret_values``): a SAS signature (``sig=``), an ``AccountKey=``, a
PEM private key, an Entra client secret, a JWT or a ``password=`` anywhere; and in free text
(tags, labels, descriptions, display names, drain messages, freeze reasons) a value that looks
like a password. The messages say what was found, never the value."""

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


_SECRET_VALUES = (
    (re.compile(r"(?i)(?:^|[?&;\s])sig=[A-Za-z0-9%/+=]{8,}"), "a SAS token signature (sig=)"),
    (
        re.compile(r"(?i)\b(?:AccountKey|SharedAccessKey|SharedAccessSignature)\s*=\s*\S"),
        "an account key (AccountKey=)",
    ),
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a private key (BEGIN PRIVATE KEY)"),
    (
        re.compile(
            r"(?<![A-Za-z0-9_.~-])[A-Za-z0-9_.~-]{3}\dQ~[A-Za-z0-9_.~-]{31,34}(?![A-Za-z0-9_.~-])"
        ),
        "a Microsoft Entra client secret",
    ),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\."), "an access token (a JWT)"),
    (
        re.compile(
            r"(?i)(?:^|[;\s,&?])(?:password|passwd|pwd|passphrase|client_?secret|api_?key)"
            r"\s*(?:=\s*|:)[^\s;&,]{3,}"
        ),
        "a password (password=...)",
    ),
)
FREE_TEXT_KEYS = frozenset(
    {"description", "displayName", "friendlyName", "title", "body", "reason", "name"}
)
_FREE_TEXT_PARENTS = frozenset({"tags", "labels"})
_SYMBOLS = set("!#$%^*?~|@")  # not + = & ( ) - _ . / : , which names and tag values use
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def looks_like_a_password(text: str) -> bool:
    """A word of 8 to 128 characters with lower and upper case letters, digits and a symbol such
    as ! # $ % ^ * ? ~ | @ (an e-mail address is not one): what a generated password looks
    like, and what tags and descriptions never hold."""
    return (
        8 <= len(text) <= 128
        and not any(c.isspace() for c in text)
        and any(c.islower() for c in text)
        and any(c.isupper() for c in text)
        and any(c.isdigit() for c in text)
        and any(c in _SYMBOLS for c in text)
        and not _EMAIL.match(text)
    )


def _free_text(path: Path) -> bool:
    return bool(path) and (
        path[-1] in FREE_TEXT_KEYS
        or any(part in _FREE_TEXT_PARENTS for part in path[:-1] if isinstance(part, str))
        or (isinstance(path[-1], int) and len(path) > 1 and path[-2] in _FREE_TEXT_PARENTS)
    )


def secret_values(data: Any, path: Path = ()) -> Iterator[tuple[Path, str]]:
    """(path, what it looks like) for every string value of ``data`` that holds a secret."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from secret_values(value, (*path, str(key)))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from secret_values(item, (*path, index))
    elif isinstance(data, str):
        found = next((what for pattern, what in _SECRET_VALUES if pattern.search(data)), None)
        if found is None and _free_text(path) and looks_like_a_password(data):
            found = "a password"
        if found is not None:
            yield path, found


def value_message(what: str) -> str:
    """The message for a secret value; it never contains the value."""
    return (
        f"this value looks like {what}: secrets must not be written in the configuration"
        " (not in tags, labels or descriptions either); keep it where goldfleet's credentials"
        " are, and refer to it by name"
    )
