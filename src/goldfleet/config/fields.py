"""The value types of configuration fields (GUIDs, regions, time zones, durations, HH:MM, cron,
SHA-256, environment variable names, ARM ids, Azure names), each checked with a message that says
what was expected and what was found, and described for the JSON Schema.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from datetime import date, time, timedelta
from functools import cache
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

from pydantic import BeforeValidator, Strict, WithJsonSchema

from goldfleet.config.catalog import AZURE_REGIONS
from goldfleet.config.cron import cron_syntax
from goldfleet.config.diagnostics import did_you_mean, shown
from goldfleet.domain.ids import ResourceId

GUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
NAME_PATTERN = r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
DURATION_PATTERN = r"^(?=\d)(\d+d)?(\d+h)?(\d+m)?(\d+s)?$"
CLOCK_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"
ENV_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


def _string(expected: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"expected {expected}, got {shown(value)}")
    return value


def _matching(pattern: str, expected: str) -> Callable[[Any], str]:
    compiled = re.compile(pattern)

    def check(value: Any) -> str:
        if not compiled.match(_string(expected, value)):
            raise ValueError(f"expected {expected}, got {shown(value)}")
        return str(value)

    return check


def _schema(description: str, **extra: Any) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "description": description, **extra})


def _guid(value: Any) -> str:
    return _matching(GUID_PATTERN, "a GUID such as 7f3c1a52-4d8e-4b1f-9a6c-2e5d8b0c1f01")(
        value
    ).lower()


def _region(value: Any) -> str:
    text = _string('an Azure region name such as "westeurope"', value)
    if text not in AZURE_REGIONS:
        suggestion = did_you_mean(text.replace(" ", ""), sorted(AZURE_REGIONS))
        raise ValueError(f"expected an Azure region name, got {shown(value)}{suggestion}")
    return text


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _time_zone(value: Any) -> str:
    expected = 'an IANA time zone such as "Europe/London"'
    text = _string(expected, value)
    if text not in _time_zones():
        raise ValueError(
            f"expected {expected}, got {shown(value)}{did_you_mean(text, _time_zones())}"
        )
    return text


def _duration(value: Any) -> timedelta:
    expected = "a duration such as 30m, 4h, 1h30m or 2d"
    text = _matching(DURATION_PATTERN, expected)(value)
    try:
        amounts = {unit: int(n) for n, unit in re.findall(r"(\d+)([dhms])", text)}
        return timedelta(
            days=amounts.get("d", 0),
            hours=amounts.get("h", 0),
            minutes=amounts.get("m", 0),
            seconds=amounts.get("s", 0),
        )
    except (OverflowError, ValueError):  # more days than timedelta holds, or digits than int
        raise ValueError(f"expected {expected}, at most 999999999d, got {shown(value)}") from None


def _clock_time(value: Any) -> time:
    text = _matching(CLOCK_PATTERN, "HH:MM")(value)
    return time(int(text[:2]), int(text[3:]))


def _calendar_date(value: Any) -> date:
    expected = "a date YYYY-MM-DD"
    text = _matching(r"^\d{4}-\d{2}-\d{2}$", expected)(value)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected {expected}, got {shown(value)}") from None


def _cron(value: Any) -> str:
    expected = "a cron expression with five fields (minute hour day-of-month month day-of-week)"
    text = _string(expected, value)
    problem = cron_syntax(text)
    if problem is not None:
        raise ValueError(f"expected {expected}, got {shown(value)}: {problem}")
    return " ".join(text.split())


def _sha256(value: Any) -> str:
    return _matching(r"^[0-9a-fA-F]{64}$", "a SHA-256 checksum (64 hexadecimal digits)")(
        value
    ).lower()


def _env_name(value: Any) -> str:
    if not isinstance(value, str) or not re.match(ENV_PATTERN, value):
        # Never echo the value: it may be the secret itself, written in the wrong place.
        raise ValueError(
            "expected the name of an environment variable such as GOLDFLEET_CLIENT_SECRET"
            " (letters, digits and _), not the secret itself"
        )
    return value


def _https_uri(value: Any) -> str:
    text = _string("an https:// URI", value)
    parts = urlsplit(text)
    if parts.scheme != "https" or not parts.netloc:
        raise ValueError(f"expected an https:// URI, got {shown(value)}")
    if "sig" in parse_qs(parts.query):
        raise ValueError(
            "the URI carries a SAS token (sig=...): secrets must not be written in the"
            " configuration; give the build identity read access to the script instead"
        )
    return text


def _arm_id(resource_type: str | None) -> Callable[[Any], str]:
    example = "/subscriptions/<id>/resourceGroups/<group>/providers/<namespace>/<type>/<name>"
    expected = (
        f"an Azure resource id of a {resource_type}" if resource_type else "an Azure resource id"
    )

    def check(value: Any) -> str:
        text = _string(f"{expected} ({example})", value)
        try:
            rid = ResourceId(text)
        except ValueError:
            raise ValueError(f"expected {expected} ({example}), got {shown(value)}") from None
        if resource_type and not _has_type(rid, resource_type):
            raise ValueError(f"expected {expected}, got {shown(value)}")
        if not re.fullmatch(GUID_PATTERN, rid.subscription_id):
            raise ValueError(
                f"expected {expected} whose subscription is a GUID, got {shown(value)}"
            )
        return rid.text

    return check


def _has_type(rid: ResourceId, resource_type: str) -> bool:
    namespace, *types = resource_type.lower().split("/")
    parts = [p.lower() for p in rid.parts]
    if "providers" not in parts:
        return False
    after = parts[parts.index("providers") + 1 :]
    if not after or after[0] != namespace:
        return False
    return after[1::2] == types and len(after) == 1 + 2 * len(types)


def _azure_name(pattern: str, expected: str) -> Callable[[Any], str]:
    return _matching(pattern, expected)


Flag = Annotated[bool, Strict()]
"""true or false (not "yes", "on" or 1)."""
Count = Annotated[int, Strict()]
"""A whole number written as one (not "3" or 3.0)."""
Guid = Annotated[str, BeforeValidator(_guid), _schema("A GUID.", pattern=GUID_PATTERN)]
Name = Annotated[
    str,
    BeforeValidator(
        _matching(NAME_PATTERN, "a name of lowercase letters, digits and '-' (at most 63)")
    ),
    _schema(
        "goldfleet's name for an object: lowercase letters, digits, '-'.", pattern=NAME_PATTERN
    ),
]
Text = Annotated[str, BeforeValidator(lambda v: _string("a non-empty string", v)), _schema("Text.")]
Region = Annotated[
    str,
    BeforeValidator(_region),
    WithJsonSchema({"type": "string", "enum": sorted(AZURE_REGIONS), "description": "Region."}),
]
TimeZoneName = Annotated[
    str, BeforeValidator(_time_zone), _schema("An IANA time zone, e.g. Europe/London.")
]
Duration = Annotated[
    timedelta,
    BeforeValidator(_duration),
    _schema("A duration: 30m, 4h, 1h30m, 2d.", pattern=DURATION_PATTERN),
]
ClockTime = Annotated[
    time, BeforeValidator(_clock_time), _schema("Local time HH:MM.", pattern=CLOCK_PATTERN)
]
CalendarDate = Annotated[
    date, BeforeValidator(_calendar_date), _schema("A date YYYY-MM-DD.", format="date")
]
CronExpression = Annotated[
    str, BeforeValidator(_cron), _schema("Cron: minute hour day-of-month month day-of-week.")
]
Sha256 = Annotated[
    str, BeforeValidator(_sha256), _schema("SHA-256 of the content.", pattern="^[0-9a-fA-F]{64}$")
]
EnvVarName = Annotated[
    str,
    BeforeValidator(_env_name),
    _schema("Name of an environment variable holding the secret.", pattern=ENV_PATTERN),
]
HttpsUri = Annotated[
    str, BeforeValidator(_https_uri), _schema("An https:// URI.", format="uri", pattern="^https://")
]
ArmId = Annotated[str, BeforeValidator(_arm_id(None)), _schema("An Azure resource id.")]
SubnetId = Annotated[
    str,
    BeforeValidator(_arm_id("Microsoft.Network/virtualNetworks/subnets")),
    _schema("Resource id of a subnet."),
]
VirtualMachineId = Annotated[
    str,
    BeforeValidator(_arm_id("Microsoft.Compute/virtualMachines")),
    _schema("Resource id of a virtual machine."),
]
UserAssignedIdentityId = Annotated[
    str,
    BeforeValidator(_arm_id("Microsoft.ManagedIdentity/userAssignedIdentities")),
    _schema("Resource id of a user-assigned managed identity."),
]
ManagedImageId = Annotated[
    str, BeforeValidator(_arm_id("Microsoft.Compute/images")), _schema("Resource id of an image.")
]
ResourceGroupName = Annotated[
    str,
    BeforeValidator(
        _azure_name(
            r"^[-\w.()]{0,89}[-\w()]$",
            "a resource group name (letters, digits, '-', '_', '.', '()'; at most 90;"
            " not ending in '.')",
        )
    ),
    _schema("A resource group name."),
]
GalleryName = Annotated[
    str,
    BeforeValidator(
        _azure_name(
            r"^[A-Za-z0-9]([A-Za-z0-9._]{0,78}[A-Za-z0-9])?$",
            "a gallery name (letters, digits, '.', '_'; at most 80; no '-')",
        )
    ),
    _schema("An Azure Compute Gallery name."),
]
AzureName = Annotated[
    str,
    BeforeValidator(
        _azure_name(
            r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,78}[A-Za-z0-9])?$",
            "an Azure name (letters, digits, '.', '_', '-'; at most 80)",
        )
    ),
    _schema("An Azure resource name."),
]
VmSize = Annotated[
    str,
    BeforeValidator(
        _matching(r"^(Standard|Basic)_[A-Za-z0-9_]+$", "a VM size such as Standard_D4as_v5")
    ),
    _schema("A VM size, e.g. Standard_D4as_v5."),
]
HostNamePrefix = Annotated[
    str,
    BeforeValidator(
        _matching(
            r"^[A-Za-z][A-Za-z0-9-]{0,10}$",
            "a host name prefix of at most 11 letters, digits and '-', starting with a letter",
        )
    ),
    _schema("Session host name prefix (hosts are <prefix>-<n>)."),
]


PrincipalRef = Annotated[
    str,
    BeforeValidator(
        _matching(
            GUID_PATTERN.replace("^", "^(app|object):"),
            "app:<client id> or object:<object id> (GUIDs)",
        )
    ),
    _schema("app:<clientId> or object:<objectId>."),
]


def _parameter(value: Any) -> str | int | bool | tuple[str, ...]:
    if isinstance(value, str | int | bool):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError(
        f"expected a string, a number, true/false or a list of strings, got {shown(value)}"
    )


ParameterValue = Annotated[
    Any,
    BeforeValidator(_parameter),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string"},
                {"type": "integer"},
                {"type": "boolean"},
                {"type": "array", "items": {"type": "string"}},
            ]
        }
    ),
]
