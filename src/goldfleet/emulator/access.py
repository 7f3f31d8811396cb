"""Who may talk to the emulator: checks made on every request before the front door routes it.

* **Host** (DNS rebinding): the ``Host`` header must name the address the emulator serves -
  ``127.0.0.1``, ``localhost``, ``[::1]`` or the configured host, with the port it listens on.
  A web page whose own name was re-pointed at 127.0.0.1 sends its own name, and is refused (421).
* **Browsers**: a request carrying an ``Origin`` other than the emulator's own, or a
  ``Sec-Fetch-Site`` other than ``same-origin``/``none``, came from another site's page and is
  refused (403). The Azure SDK and the az CLI send neither header.
* **Control API**: every ``/_emulator`` path needs the control secret in the
  ``x-goldfleet-emulator-secret`` header (401 without it, 403 when wrong, compared in constant
  time). The secret is generated at each start unless given, and written, readable by its owner
  only, to ``<state-dir>/control-secret`` beside the CA (``ca.pem``).

Also: which addresses count as loopback, so that ``serve`` can refuse to listen elsewhere unless
told. This module is not Azure's behaviour; it protects the harness. It never raises for a
well-formed request it accepts, and it does not look at ARM tokens (the front door does).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.arm.http import Request

CONTROL_PREFIX = "/_emulator"
CONTROL_SEGMENT = CONTROL_PREFIX.lstrip("/")
CONTROL_SECRET_HEADER = "x-goldfleet-emulator-secret"
CONTROL_SECRET_FILE = "control-secret"
MIN_SECRET_LENGTH = 16
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
_SAFE_FETCH_SITES = frozenset({"same-origin", "none"})


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses (127.0.0.0/8, ::1)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_control_path(path: str) -> bool:
    """True for ``/_emulator`` and every path under it, as the router matches them (segments
    compared case-insensitively, empty segments ignored)."""
    first = path.lstrip("/").split("/", 1)[0]
    return first.lower() == CONTROL_SEGMENT


def new_control_secret() -> str:
    """A fresh random control secret (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def check_control_secret(secret: str) -> str:
    """``secret`` if it can serve as a control secret; ``ValueError`` saying why not."""
    if len(secret) < MIN_SECRET_LENGTH or not secret.isprintable() or secret != secret.strip():
        raise ValueError(
            f"a control secret needs at least {MIN_SECRET_LENGTH} printable characters "
            "and no surrounding spaces"
        )
    return secret


def write_control_secret(state_dir: Path, secret: str) -> Path:
    """Write ``secret`` to ``<state_dir>/control-secret``, mode 0600, replacing it atomically."""
    state_dir.mkdir(parents=True, exist_ok=True)
    target = state_dir / CONTROL_SECRET_FILE
    fd, temporary = tempfile.mkstemp(dir=state_dir, prefix=".control-secret-")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secret + "\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def _host_form(name: str) -> str:
    """How ``name`` appears in a Host header: IPv6 addresses in brackets, lower case."""
    bare = name.strip().strip("[]").lower()
    return f"[{bare}]" if ":" in bare else bare


@dataclass(frozen=True)
class AccessPolicy:
    """The Host names, origins and control secret one emulator accepts."""

    control_secret: str
    hosts: frozenset[str]  # Host header values, lower case ("127.0.0.1:8443", "[::1]:8443")
    origins: frozenset[str]  # "https://127.0.0.1:8443"

    @classmethod
    def serving(cls, host: str, port: int, control_secret: str) -> AccessPolicy:
        """The policy of an emulator listening on ``host:port``."""
        names = {_host_form(n) for n in (*LOOPBACK_NAMES, host)}
        hosts = {f"{n}:{port}" for n in names}
        if port == 443:  # a client may leave out the default port
            hosts |= names
        return cls(control_secret, frozenset(hosts), frozenset(f"https://{h}" for h in hosts))

    def check(self, request: Request) -> None:
        """Raise the ARM-shaped refusal for a request this emulator must not serve."""
        host = request.header("host").strip().lower()
        if host not in self.hosts:
            raise ArmError(
                421,
                "MisdirectedRequest",
                f"The Host header '{host[:100]}' does not name this emulator; it answers to "
                f"{', '.join(sorted(self.hosts))} only (protection against DNS rebinding).",
            )
        origin = request.header("origin")
        if origin and origin.strip().lower().rstrip("/") not in self.origins:
            raise ArmError(
                403,
                "CrossOriginRequestRefused",
                f"Requests from web pages of other origins ('{origin[:100]}') are refused; the "
                "emulator serves the Azure SDK, the az CLI and goldfleet, not browsers.",
            )
        fetch_site = request.header("sec-fetch-site").strip().lower()
        if fetch_site and fetch_site not in _SAFE_FETCH_SITES:
            raise ArmError(
                403,
                "CrossOriginRequestRefused",
                f"Requests made by a browser for another site (Sec-Fetch-Site: {fetch_site[:40]}) "
                "are refused.",
            )
        if is_control_path(request.path):
            self._check_control_secret(request.header(CONTROL_SECRET_HEADER))

    def _check_control_secret(self, given: str) -> None:
        if not given:
            raise ArmError(
                401,
                "ControlSecretRequired",
                f"The control API needs the emulator's control secret in the "
                f"'{CONTROL_SECRET_HEADER}' header. 'goldfleet emulator serve' prints it and "
                f"writes it to '{CONTROL_SECRET_FILE}' in its state directory, beside ca.pem.",
            )
        if not hmac.compare_digest(given.strip().encode(), self.control_secret.encode()):
            raise ArmError(
                403,
                "ControlSecretInvalid",
                f"The '{CONTROL_SECRET_HEADER}' header does not hold this emulator's control "
                f"secret; read it again from '{CONTROL_SECRET_FILE}' in the state directory "
                "(it changes at every start unless one is given).",
            )
