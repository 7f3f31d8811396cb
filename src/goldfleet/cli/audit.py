"""``goldfleet audit list|verify|checkpoint|export|reseal|verify-export|public-key``.

``verify`` names every finding (which entries, which kind) and exits 1 when the trail was
tampered with or could not be checked; ``verify-export`` does the same for an export with only
the public key. Nothing here prints a secret: not the audit key, not a blob's SAS.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from goldfleet.cli.common import (
    CloudOption,
    EmulatorCaOption,
    EmulatorOption,
    StateDirOption,
    target,
)
from goldfleet.cli.lazy import api_modules
from goldfleet.cli.output import (
    Output,
    OutputOption,
    QueryOption,
    console,
    emit,
    print_rows,
    styled,
)
from goldfleet.domain.errors import UserInputError
from goldfleet.store.audit_verify import Finding, Verdict

if TYPE_CHECKING:
    from goldfleet.api import audit
else:
    (audit,) = api_modules("audit")

audit_app = typer.Typer(help="The append-only, tamper-evident audit trail.", no_args_is_help=True)

AgainstOption = Annotated[
    Path | None,
    typer.Option(
        "--against",
        help="An export kept elsewhere (goldfleet audit export): also check that nothing it"
        " holds was lost or changed.",
    ),
]


def _use_state_dir(state_dir: Path | None) -> None:
    if state_dir is not None:
        os.environ["GOLDFLEET_STATE_DIR"] = str(state_dir)


@audit_app.command("list")
def audit_list(
    output: Output = OutputOption,
    query: str | None = QueryOption,
    limit: Annotated[int, typer.Option(help="The most recent N entries.")] = 100,
    state_dir: StateDirOption = None,
) -> None:
    """Who asked for what, when, under which plan and workflow."""
    _use_state_dir(state_dir)
    view = audit.audit_trail(limit)
    emit(
        view.entries,
        output,
        query,
        lambda r: print_rows(r, ["seq", "at", "actor", "action", "subject"], "Audit trail"),
    )


def _line(finding: Finding) -> Text:
    return styled("  [bold]{}[/] {}: {}", finding.kind, finding.where, finding.detail)


def _report(verdict: Verdict, what: str, output: Output) -> None:
    if output is not Output.TABLE:
        emit(audit.verdict_json(verdict), output, None)
    elif verdict.intact:
        checked = "SHA-256 chain, MACs, sealed head" if verdict.macs_checked else "SHA-256 chain"
        console.print(
            f"The {what} is intact ({verdict.entries} entries). Checked: {checked} and"
            f" {verdict.checkpoints} signed checkpoint(s)."
        )
    else:
        where = (
            f"is broken at entry {verdict.broken_at}"
            if verdict.broken_at
            else "could not be verified"
        )
        console.print(styled("[red]The {} {}[/]:", what, where))
        for finding in verdict.problems:
            console.print(_line(finding))
    if output is Output.TABLE:
        if verdict.legacy_until:
            console.print(
                f"Entries 1-{verdict.legacy_until} predate the keyed chain: only their unkeyed"
                " SHA-256 chain protects them, as sealed by the first keyed entry."
            )
        for finding in verdict.findings:
            if finding.acknowledged is not None:
                console.print(
                    styled(
                        "[yellow]acknowledged[/] {} {}: {} ({})",
                        finding.kind,
                        finding.where,
                        finding.detail,
                        finding.acknowledged,
                    )
                )
    if not verdict.intact:
        raise typer.Exit(1)


@audit_app.command("verify")
def audit_verify(
    against: AgainstOption = None,
    output: Output = OutputOption,
    state_dir: StateDirOption = None,
) -> None:
    """Check the whole trail: each entry's hash and MAC, its numbering, its sealed head and its
    checkpoints (and an export with --against). Exit 1 naming what was changed or lost."""
    _use_state_dir(state_dir)
    _report(audit.verify(against), "audit trail", output)


@audit_app.command("verify-export")
def audit_verify_export(
    file: Annotated[Path, typer.Argument(help="A file written by goldfleet audit export.")],
    public_key: Annotated[
        str | None,
        typer.Option(
            help="The Ed25519 public key to trust (hex, or a file holding it); without it, the"
            " key inside the export is used, which proves only that the export is consistent."
        ),
    ] = None,
    output: Output = OutputOption,
) -> None:
    """Check an export without the audit key: checkpoint signatures (with only the public key),
    its SHA-256 chain, and that its newest entry is signed. Needs no database."""
    verdict = audit.verify_export(file, public_key)
    if public_key is None and output is Output.TABLE:
        console.print(
            styled(
                "[yellow]note:[/] checked with the public key inside the export; pass"
                " --public-key with the key you trust."
            )
        )
    _report(verdict, "export", output)


@audit_app.command("checkpoint")
def audit_checkpoint(
    output: Output = OutputOption, query: str | None = QueryOption, state_dir: StateDirOption = None
) -> None:
    """Sign a checkpoint of the trail's head now (Ed25519), to publish with an export."""
    _use_state_dir(state_dir)
    made = audit.checkpoint()
    emit(
        made,
        output,
        query,
        lambda c: console.print(
            f"Checkpoint {c['id']}: entry {c['seq']} ({c['hash'][:16]}...) signed at"
            f" {c['madeAt']} by public key {c['publicKey']}."
        ),
    )


@audit_app.command("export")
def audit_export(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="A file path, or https://<account>.blob.core.windows.net/<container>/<blob>?<SAS>"
            " (a new blob; put it in a container with a time-based retention policy).",
        ),
    ],
    overwrite: Annotated[bool, typer.Option(help="Replace an existing file.")] = False,
    output: Output = OutputOption,
    cloud: CloudOption = None,
    emulator: EmulatorOption = None,
    emulator_ca: EmulatorCaOption = None,
    state_dir: StateDirOption = None,
) -> None:
    """Sign a checkpoint of the head and write the whole trail, every checkpoint and the public
    key as one JSON document, outside goldfleet's database."""
    _use_state_dir(state_dir)
    where = (
        target(cloud, emulator, emulator_ca, state_dir)
        if to.lower().startswith("https://")
        else None
    )
    if to.lower().startswith("http://"):
        raise UserInputError("an audit export is uploaded over https only", hint="use https://")
    done = audit.export(to, where, overwrite=overwrite)
    result = {
        "to": done.to,
        "entries": done.entries,
        "bytes": done.bytes,
        "checkpoint": done.checkpoint,
    }
    emit(
        result,
        output,
        None,
        lambda r: console.print(
            f"Exported {r['entries']} entries to {r['to']}, signed up to entry"
            f" {r['checkpoint']['seq']} by public key {r['checkpoint']['publicKey']}."
        ),
    )


@audit_app.command("reseal")
def audit_reseal(
    reason: Annotated[
        str, typer.Option(help="What happened and who looked into it (kept in the trail).")
    ],
    against: AgainstOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Record the findings without asking.")] = False,
    state_dir: StateDirOption = None,
) -> None:
    """After a loss or change was investigated: record the current findings in the trail (a
    keyed entry with your reason) so goldfleet writes again. Nothing is rewritten; verify keeps
    listing the findings, as acknowledged."""
    _use_state_dir(state_dir)
    if not yes:
        pending = audit.pending_findings(against)
        if not pending:
            console.print("The audit trail is intact: there is nothing to reseal.")
            return
        console.print("A reseal would record these findings in the trail:")
        for finding in pending:
            console.print(_line(finding))
        raise UserInputError("nothing was recorded", hint="run again with --yes to record them")
    done = audit.reseal(reason, against)
    console.print(
        f"Recorded {len(done.verdict.problems)} findings at entry {done.entry.seq}; goldfleet"
        " writes to the audit trail again."
    )


@audit_app.command("public-key")
def audit_public_key(
    output: Output = OutputOption, query: str | None = QueryOption, state_dir: StateDirOption = None
) -> None:
    """The Ed25519 public key that signs checkpoints: give it to whoever checks your exports."""
    _use_state_dir(state_dir)
    emit(audit.public_key(), output, query, lambda k: typer.echo(k["publicKey"]))
