"""``goldfleet emulator ...``: serve the local Azure control plane."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from goldfleet.api.session import EMULATOR_SECRET_ENV
from goldfleet.cli.output import console

app = typer.Typer(help="The local Azure emulator.", no_args_is_help=True)

DEFAULT_STATE_DIR = Path.home() / ".goldfleet" / "emulator"


def instructions(
    endpoint: str,
    ca_path: Path,
    tenants: list[dict[str, Any]],
    control_secret: str = "",
    control_secret_path: Path | None = None,
) -> str:
    """What a user needs to point the SDK, az and goldfleet at the emulator, and to drive its
    control API (with the control secret)."""
    lines = [
        f"ARM endpoint:     {endpoint}",
        f"Entra authority:  {endpoint}/<tenant-id>",
        f"CA bundle:        {ca_path}",
        "",
        "Python SDK:",
        f"  export REQUESTS_CA_BUNDLE={ca_path}",
        "  ClientSecretCredential(tenant, client_id, secret,",
        f'      authority="{endpoint}", disable_instance_discovery=True)',
        f'  ResourceManagementClient(cred, sub, base_url="{endpoint}",',
        f'      credential_scopes=["{endpoint}/.default"])',
        "",
        "az CLI:",
        f"  export REQUESTS_CA_BUNDLE={ca_path} AZURE_CORE_INSTANCE_DISCOVERY=false",
        f"  az cloud register -n GoldfleetEmulator --endpoint-resource-manager {endpoint}/",
        "  az cloud set -n GoldfleetEmulator",
        "  az login --service-principal -u <app-id> -p <secret> --tenant <tenant-id>",
    ]
    if tenants:
        lines += ["", "Tenants:"]
        lines += [f"  {t['tenant_id']}  {t['display_name']}" for t in tenants]
    if control_secret:
        from goldfleet.emulator.access import CONTROL_SECRET_HEADER

        saved = f" (saved in {control_secret_path})" if control_secret_path else ""
        lines += [
            "",
            f"Control secret:   {control_secret}{saved}",
            f"  send it as the {CONTROL_SECRET_HEADER} header, e.g.",
            f'  curl --cacert {ca_path} -H "{CONTROL_SECRET_HEADER}: {control_secret}" '
            f"{endpoint}/_emulator/clock",
            "  goldfleet finds it beside --emulator-ca, or: "
            f"export {EMULATOR_SECRET_ENV}={control_secret}",
        ]
    lines += ["", "Control API: " + endpoint + "/_emulator  (docs/emulator/control-api.md)"]
    return "\n".join(lines)


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on (loopback unless --allow-remote).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port (0 picks a free one).")] = 8443,
    speed: Annotated[
        float | None, typer.Option(help="Simulated seconds per real second (0 freezes time).")
    ] = None,
    scenario: Annotated[
        Path | None, typer.Option(help="YAML scenario that seeds the world.")
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(help="JSON state file: loaded at start if present, saved at shutdown."),
    ] = None,
    state_dir: Annotated[
        Path, typer.Option(help="Where the CA and the token-signing key are kept and reused.")
    ] = DEFAULT_STATE_DIR,
    allow_remote: Annotated[
        bool,
        typer.Option(
            "--allow-remote",
            help="Allow a --host that is not loopback (other machines can reach the emulator).",
        ),
    ] = False,
    control_secret: Annotated[
        str | None,
        typer.Option(
            envvar=EMULATOR_SECRET_ENV,
            show_envvar=True,
            help="The control API's secret (default: a new random one at each start). It is "
            "printed and written to <state-dir>/control-secret.",
        ),
    ] = None,
) -> None:
    """Serve the emulator over HTTPS until interrupted (Ctrl+C)."""
    from goldfleet.api import emulator as api  # the emulator itself: load it only to serve

    options = api.emulator_options(
        host=host,
        port=port,
        speed=speed,
        scenario=scenario,
        state_file=state,
        state_dir=state_dir,
        allow_remote=allow_remote,
        control_secret=control_secret,
    )

    def ready(endpoint: str, ca_path: Path, emulator_app: Any) -> None:
        tenants = [
            {"tenant_id": t.tenant_id, "display_name": t.display_name}
            for t in emulator_app.world.directory.tenants.values()
        ]
        text = instructions(
            endpoint,
            ca_path,
            tenants,
            emulator_app.control_secret,
            emulator_app.control_secret_path,
        )
        console.print(text, highlight=False, markup=False, soft_wrap=True)

    api.serve_emulator(options, ready)
