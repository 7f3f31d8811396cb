"""The audit trail's secret, kept outside the database, and the keys derived from it.

One 32-byte secret gives two keys (HKDF-SHA256, distinct labels): the *chain key* that MACs each
entry and seals the head (HMAC-SHA256), and an Ed25519 *signing key* for checkpoints, whose public
key anyone may hold to check a checkpoint without the secret.

Where the secret comes from, first match wins:

1. ``GOLDFLEET_AUDIT_KEY``: the secret itself, 64 hexadecimal characters (from a secret store);
2. ``GOLDFLEET_AUDIT_KEY_FILE``: a file holding it (PostgreSQL deployments: every machine that
   writes the shared store must use the same secret);
3. ``audit.key`` beside the SQLite database (which is the state directory unless
   ``GOLDFLEET_DATABASE_URL`` says otherwise), or in the state directory for PostgreSQL.

A missing file is created (mode 0600, atomically: two processes racing agree on one secret) only
when the caller allows it - the audit trail allows it while the chain is not yet keyed. A key file
that others can read or write is refused, as ssh refuses a private key. This module reads files
and the environment; it never touches the database.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Engine

from goldfleet.domain.errors import UserInputError
from goldfleet.store.db import state_dir

KEY_ENV = "GOLDFLEET_AUDIT_KEY"
KEY_FILE_ENV = "GOLDFLEET_AUDIT_KEY_FILE"
KEY_FILE_NAME = "audit.key"
_SECRET_BYTES = 32
_CHAIN_LABEL = b"goldfleet audit chain v1"
_SIGNING_LABEL = b"goldfleet audit checkpoint signing v1"
_KEY_ID_LABEL = b"goldfleet audit key id v1"
_NEW_KEY_HINT = "make one with `openssl rand -hex 32` (or let goldfleet create audit.key)"


class AuditKeyError(UserInputError):
    """The audit key cannot be had: missing where one is required, malformed, or exposed."""


class AuditKeyMissing(AuditKeyError):
    """No audit key where one is looked for, and creating one was not allowed."""


@dataclass(frozen=True)
class AuditKeys:
    """The chain key and the signing key, and where their secret came from."""

    source: str  # a path, or the name of the environment variable
    chain_key: bytes = field(repr=False)
    signing_key: Ed25519PrivateKey = field(repr=False, compare=False)

    @property
    def key_id(self) -> str:
        """A fingerprint of the chain key (safe to store: it reveals nothing of the key)."""
        return hmac.new(self.chain_key, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:32]

    @property
    def public_key(self) -> str:
        """The Ed25519 public key, raw, in hexadecimal."""
        return public_key_hex(self.signing_key.public_key())

    def mac(self, message: bytes) -> str:
        """HMAC-SHA256 of ``message`` with the chain key, in hexadecimal."""
        return hmac.new(self.chain_key, message, hashlib.sha256).hexdigest()

    def sign(self, message: bytes) -> str:
        """The Ed25519 signature of ``message``, in hexadecimal."""
        return self.signing_key.sign(message).hex()


def public_key_hex(key: Ed25519PublicKey) -> str:
    """An Ed25519 public key, raw, in hexadecimal (the form exports and checkpoints carry)."""
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def signature_valid(public_key: str, signature: str, message: bytes) -> bool:
    """Whether ``signature`` (hex) is ``public_key``'s (raw hex) Ed25519 signature of
    ``message``; anything malformed is simply not valid."""
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
        key.verify(bytes.fromhex(signature), message)
    except (ValueError, InvalidSignature):
        return False
    return True


def key_file(engine: Engine) -> Path:
    """Where the secret's file is (whether or not it exists yet)."""
    configured = os.environ.get(KEY_FILE_ENV)
    if configured:
        return Path(configured).expanduser()
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if database and database != ":memory:" and not database.startswith("file:"):
        return Path(database).expanduser().resolve().parent / KEY_FILE_NAME
    return state_dir() / KEY_FILE_NAME


def load_keys(engine: Engine, *, create: bool = False) -> AuditKeys:
    """The audit keys for ``engine``'s trail (see the module docstring for where from)."""
    value = os.environ.get(KEY_ENV)
    if value:
        return _derive(_parse(value.strip(), KEY_ENV), KEY_ENV)
    path = key_file(engine)
    if not path.exists():
        if not create:
            raise AuditKeyMissing(
                f"the audit key {path} does not exist",
                hint=f"restore it from your backup, or point {KEY_FILE_ENV} (or {KEY_ENV}) at"
                " the key this trail was written with",
            )
        _create(path)
    return _derive(_read(path), str(path))


def _derive(secret: bytes, source: str) -> AuditKeys:
    def expand(label: bytes) -> bytes:
        return HKDF(hashes.SHA256(), _SECRET_BYTES, salt=None, info=label).derive(secret)

    signing = Ed25519PrivateKey.from_private_bytes(expand(_SIGNING_LABEL))
    return AuditKeys(source, expand(_CHAIN_LABEL), signing)


def _parse(text: str, source: str) -> bytes:
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) != _SECRET_BYTES:
        raise AuditKeyError(
            f"the audit key in {source} is not {2 * _SECRET_BYTES} hexadecimal characters",
            hint=_NEW_KEY_HINT,
        )
    return secret


def _read(path: Path) -> bytes:
    try:
        if os.name == "posix":
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                raise AuditKeyError(
                    f"the audit key {path} can be read or written by others (mode {mode:04o})",
                    hint=f"chmod 600 {path}",
                )
        return _parse(path.read_text(encoding="ascii").strip(), str(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditKeyError(f"reading the audit key {path}: {exc}") from exc


def _create(path: Path) -> None:
    """Write a new secret to ``path`` unless another process just did (then keep theirs)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".audit-key-")
    except OSError as exc:
        raise AuditKeyError(f"creating the audit key {path}: {exc}") from exc
    try:
        os.chmod(temporary, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_bytes(_SECRET_BYTES).hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: theirs
            os.link(temporary, path)  # atomic, and never replaces an existing key
    except OSError as exc:
        raise AuditKeyError(f"creating the audit key {path}: {exc}") from exc
    finally:
        Path(temporary).unlink(missing_ok=True)


__all__ = [
    "KEY_ENV",
    "KEY_FILE_ENV",
    "KEY_FILE_NAME",
    "AuditKeyError",
    "AuditKeyMissing",
    "AuditKeys",
    "key_file",
    "load_keys",
    "public_key_hex",
    "signature_valid",
]
