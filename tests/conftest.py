"""Shared fixtures: a test world with two tenants and apps with and without roles, served by a
real emulator over HTTPS, and helpers that build real Azure SDK clients against it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from azure.core.pipeline.transport import RequestsTransport
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from goldfleet.emulator import EmulatorOptions, RunningEmulator, running_emulator
from goldfleet.emulator.access import CONTROL_SECRET_HEADER

PROVIDER = "11111111-0000-4000-8000-000000000001"
CUSTOMER = "22222222-0000-4000-8000-000000000002"
PROVIDER_SUB = "aaaaaaaa-0000-4000-8000-00000000000a"
CUSTOMER_SUB = "bbbbbbbb-0000-4000-8000-00000000000b"
BARE_SUB = "cccccccc-0000-4000-8000-00000000000c"  # no providers registered
GF_APP = "0a0a0a0a-0000-4000-8000-0000000000a1"  # multi-tenant, Contributor + UAA
READER_APP = "0b0b0b0b-0000-4000-8000-0000000000b1"  # Reader on the provider sub
NOROLE_APP = "0c0c0c0c-0000-4000-8000-0000000000c1"  # no role anywhere
RG_APP = "0d0d0d0d-0000-4000-8000-0000000000d1"  # Contributor on one resource group
OLD_APP = "0e0e0e0e-0000-4000-8000-0000000000e1"  # only an expired secret
SECRET = "test-secret-value"
IMAGES_RG = "/subscriptions/provider-sub/resourceGroups/rg-images"  # as the scenario names it


@dataclass(frozen=True)
class CertificateFiles:
    pem_with_key: Path  # what CertificateCredential reads
    public_pem: str  # what the scenario registers


def make_certificate(directory: Path, name: str = "gf") -> CertificateFiles:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    public_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path = directory / f"{name}.pem"
    path.write_text(key_pem + public_pem)
    return CertificateFiles(path, public_pem)


def scenario_yaml(certificate_pem: str) -> str:
    indented = "\n".join("          " + line for line in certificate_pem.strip().splitlines())
    return f"""
apiVersion: goldfleet.emulator/v1
clock: {{start: "2026-11-23T08:00:00Z", speed: 0}}
seed: 7
tenants:
  - id: {PROVIDER}
    name: Provider
    domain: provider.onmicrosoft.com
    subscriptions:
      - id: {PROVIDER_SUB}
        name: provider-sub
        regions: [westeurope, northeurope, uksouth]
        resourceGroups:
          - {{name: rg-images, location: westeurope, tags: {{purpose: images}}}}
          - {{name: rg-other, location: northeurope}}
      - id: {BARE_SUB}
        name: bare-sub
        providers: []
        resourceGroups: [{{name: rg-bare, location: westeurope}}]
  - id: {CUSTOMER}
    name: Customer
    domain: customer.onmicrosoft.com
    subscriptions:
      - id: {CUSTOMER_SUB}
        name: customer-sub
        regions: [australiaeast]
        resourceGroups: [{{name: rg-hosts, location: australiaeast}}]
applications:
  - appId: {GF_APP}
    name: gf
    homeTenant: Provider
    multiTenant: true
    secrets: [{{value: "{SECRET}"}}]
    certificates:
      - pem: |
{indented}
    consentedIn: [Customer]
  - {{appId: {READER_APP}, name: reader, homeTenant: Provider, secrets: [{{value: "{SECRET}"}}]}}
  - {{appId: {NOROLE_APP}, name: norole, homeTenant: Provider, secrets: [{{value: "{SECRET}"}}]}}
  - {{appId: {RG_APP}, name: rg-contributor, homeTenant: Provider, secrets: [{{value: "{SECRET}"}}]}}
  - appId: {OLD_APP}
    name: old
    homeTenant: Provider
    secrets: [{{value: "{SECRET}", expires: "2026-01-01T00:00:00Z"}}]
roleAssignments:
  - {{principal: gf, role: Contributor, scope: /subscriptions/provider-sub}}
  - {{principal: gf, role: User Access Administrator, scope: /subscriptions/provider-sub}}
  - {{principal: gf, role: Contributor, scope: /subscriptions/bare-sub}}
  - {{principal: gf, role: Contributor, scope: /subscriptions/customer-sub}}
  - {{principal: reader, role: Reader, scope: /subscriptions/provider-sub}}
  - {{principal: rg-contributor, role: Contributor, scope: /subscriptions/provider-sub/resourceGroups/rg-images}}
resources:  # sources for gallery image versions (Compute's images and snapshots, seeded raw)
  - id: {IMAGES_RG}/providers/Microsoft.Compute/images/img-win11-gen2
    location: westeurope
    properties:
      hyperVGeneration: V2
      storageProfile:
        osDisk: {{osType: Windows, osState: Generalized, diskSizeGB: 127, caching: ReadWrite}}
        dataDisks: [{{lun: 1, diskSizeGB: 32, caching: None}}]
  - id: {IMAGES_RG}/providers/Microsoft.Compute/images/img-win11-gen1
    location: westeurope
    properties:
      hyperVGeneration: V1
      storageProfile: {{osDisk: {{osType: Windows, osState: Generalized, diskSizeGB: 127}}}}
  - id: {IMAGES_RG}/providers/Microsoft.Compute/images/img-specialized
    location: westeurope
    properties:
      hyperVGeneration: V2
      storageProfile: {{osDisk: {{osType: Windows, osState: Specialized, diskSizeGB: 127}}}}
  - id: {IMAGES_RG}/providers/Microsoft.Compute/images/img-ubuntu
    location: westeurope
    properties:
      hyperVGeneration: V2
      storageProfile: {{osDisk: {{osType: Linux, osState: Generalized, diskSizeGB: 30}}}}
  - id: {IMAGES_RG}/providers/Microsoft.Compute/snapshots/snap-os-gen2
    location: westeurope
    sku: {{name: Standard_LRS}}
    properties: {{osType: Windows, hyperVGeneration: V2, diskSizeGB: 127, incremental: false}}
  - id: {IMAGES_RG}/providers/Microsoft.Compute/snapshots/snap-data
    location: westeurope
    sku: {{name: Standard_LRS}}
    properties: {{diskSizeGB: 64, incremental: false}}
  - id: /subscriptions/provider-sub/resourceGroups/rg-other/providers/Microsoft.Compute/images/img-north
    location: northeurope
    properties:
      hyperVGeneration: V2
      storageProfile: {{osDisk: {{osType: Windows, osState: Generalized, diskSizeGB: 127}}}}
"""


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> CertificateFiles:
    return make_certificate(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="session")
def scenario_file(tmp_path_factory: pytest.TempPathFactory, certificate: CertificateFiles) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "test-world.yaml"
    path.write_text(scenario_yaml(certificate.public_pem))
    return path


@pytest.fixture(scope="session")
def emulator(
    scenario_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningEmulator]:
    """One emulator for the session. Tests that change the world restore it afterwards."""
    options = EmulatorOptions(scenario=scenario_file, state_dir=tmp_path_factory.mktemp("emu"))
    with running_emulator(options) as emu:
        emu.baseline = emu.control("GET", "/state")  # type: ignore[attr-defined]
        yield emu


@pytest.fixture
def emu(emulator: RunningEmulator) -> Iterator[RunningEmulator]:
    """The shared emulator, put back to the scenario's state after the test."""
    yield emulator
    emulator.control("PUT", "/state", emulator.baseline)  # type: ignore[attr-defined]
    emulator.control("DELETE", "/faults")


class SimulatedSleepTransport(RequestsTransport):  # type: ignore[misc]
    """The SDK's transport, whose waits (polling an operation after its ``Retry-After``,
    backing off before a retry) run on the emulator's clock: ``seconds / speed`` real seconds,
    as goldfleet's own clients do. With the clock frozen the test moves time, so it polls again
    almost at once."""

    def __init__(self, emu: RunningEmulator, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._emu = emu

    def sleep(self, duration: float) -> None:
        speed = float(self._emu.control("GET", "/clock")["speed"])
        time.sleep(duration / speed if speed > 0 else 0.01)


def sdk_kwargs(emu: RunningEmulator, **extra: Any) -> dict[str, Any]:
    """Options of a real management client against the emulator (its endpoint, its CA, and
    waits on its clock)."""
    return {
        "base_url": emu.endpoint,
        "credential_scopes": [f"{emu.endpoint}/.default"],
        "transport": SimulatedSleepTransport(emu, connection_verify=str(emu.ca_path)),
        **extra,
    }


def secret_credential(
    emu: RunningEmulator, app_id: str = GF_APP, tenant: str = PROVIDER, secret: str = SECRET
) -> Any:
    from azure.identity import ClientSecretCredential

    return ClientSecretCredential(
        tenant,
        app_id,
        secret,
        authority=emu.endpoint,
        disable_instance_discovery=True,
        connection_verify=str(emu.ca_path),
    )


def resource_client(
    emu: RunningEmulator,
    app_id: str = GF_APP,
    tenant: str = PROVIDER,
    subscription: str = PROVIDER_SUB,
    **extra: Any,
) -> Any:
    from azure.mgmt.resource.resources import ResourceManagementClient

    return ResourceManagementClient(
        secret_credential(emu, app_id, tenant), subscription, **sdk_kwargs(emu, **extra)
    )


def raw(
    emu: RunningEmulator,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
) -> Any:
    """A plain HTTPS request (for what the SDK would refuse to send); on the control API
    (``/_emulator``) it carries the emulator's control secret."""
    import httpx

    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    if path.startswith("/_emulator"):
        sent.setdefault(CONTROL_SECRET_HEADER, emu.control_secret)
    import ssl

    context = ssl.create_default_context(cafile=str(emu.ca_path))
    with httpx.Client(verify=context, timeout=30) as client:
        return client.request(method, emu.endpoint + path, json=body, content=content, headers=sent)


def mint(emu: RunningEmulator, app_id: str = GF_APP, tenant: str = PROVIDER, **extra: Any) -> str:
    body = {"tenant": tenant, "appId": app_id, "audience": emu.endpoint, **extra}
    return str(emu.control("POST", "/tokens", body)["access_token"])


# A test that takes longer than this fails, however it ends: make it faster (a higher emulator
# speed where nothing waits, a smaller estate), never raise the limit. A machine that is busy
# with other work may set GOLDFLEET_SLOW_TEST_SECONDS.
SLOW_TEST_SECONDS = float(os.environ.get("GOLDFLEET_SLOW_TEST_SECONDS", "60"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if call.when == "call" and report.passed and call.duration > SLOW_TEST_SECONDS:
        report.outcome = "failed"
        report.longrepr = (
            f"{item.nodeid} passed but took {call.duration:.1f} s, more than the "
            f"{SLOW_TEST_SECONDS:.0f} s a test may take: make it faster"
        )
