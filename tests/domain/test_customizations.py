"""Built-in customizations rendered into the PowerShell that runs on the build VM: every name in
the catalog has a script taking exactly its parameters, values are quoted so nothing escapes, the
emulator's guest recognises what each script does, and a user's script runs only with its hash."""

from __future__ import annotations

import re

import pytest

from goldfleet.config.catalog import BUILTIN_CUSTOMIZATIONS
from goldfleet.domain.builtins import builtin_names, builtin_text
from goldfleet.domain.customizations import (
    ScriptChecksumMismatch,
    powershell_literal,
    render,
    script_arguments,
    sha256_hex,
)
from goldfleet.domain.errors import UserInputError
from goldfleet.domain.images import Customization, CustomizationKind
from goldfleet.emulator.guest.contents import GuestContents
from goldfleet.emulator.guest.scripts import interpret

BUILTIN = CustomizationKind.BUILTIN
SCRIPT = CustomizationKind.SCRIPT
URI = "https://stnorthwindbuild.blob.core.windows.net/scripts/install-lob-apps.ps1"
EXAMPLE_VALUES = {
    "languages": ("en-GB", "de-DE"),
    "language": "en-GB",
    "packages": ("Microsoft.XboxApp", "Microsoft.ZuneMusic"),
}


def builtin(name: str, **parameters) -> Customization:
    return Customization(BUILTIN, name, parameters=tuple(sorted(parameters.items())))


def required(name: str) -> dict:
    return {p: EXAMPLE_VALUES[p] for p in BUILTIN_CUSTOMIZATIONS[name].required}


def declared_parameters(template: str) -> dict[str, bool]:
    """name (lower-case) -> mandatory, read from the template's param() block."""
    block = re.search(r"^param\(\n(.*?)\n\)$", template, re.MULTILINE | re.DOTALL)
    assert block, "a param() block, one parameter a line"
    found = {}
    for line in block.group(1).splitlines():
        match = re.search(r"\$(\w+)", line)
        assert match, line
        found[match.group(1).lower()] = "Mandatory" in line
    return found


def test_every_catalog_name_has_a_script_and_nothing_else_does():
    assert builtin_names() == sorted(BUILTIN_CUSTOMIZATIONS)


@pytest.mark.parametrize("name", sorted(BUILTIN_CUSTOMIZATIONS))
def test_each_script_takes_exactly_the_catalogs_parameters(name):
    template = builtin_text(name)
    entry = BUILTIN_CUSTOMIZATIONS[name]
    params = declared_parameters(template) if "param(" in template else {}
    assert set(params) == {p.lower() for p in entry.parameters}
    assert {p for p, mandatory in params.items() if mandatory} == {
        p.lower() for p in entry.required
    }
    assert template.lstrip().startswith("<#"), "comment-based help comes first"


@pytest.mark.parametrize("name", sorted(BUILTIN_CUSTOMIZATIONS))
def test_each_script_runs_cleanly_in_the_simulated_guest(name):
    step = render(builtin(name, **required(name)), builtin_text(name))
    assert "{{" not in step.script and "Mandatory" not in step.script
    assert step.sha256 == sha256_hex(step.script)
    result = interpret(GuestContents(), step.script)
    assert (result.exit_code, result.stderr) == (0, "")
    restarts = name == "windowsRestart"
    assert result.restarted is restarts
    if restarts:  # the guest stops at Restart-Computer: it must be the last line
        assert step.script.rstrip().splitlines()[-1].startswith("Restart-Computer")


def test_windows_update_installs_updates_and_leaves_a_reboot_pending():
    contents = GuestContents()
    step = render(
        builtin("windowsUpdate", searchCriteria="IsInstalled=0", updateLimit=40),
        builtin_text("windowsUpdate"),
    )
    assert "    [string]$SearchCriteria = 'IsInstalled=0'," in step.script
    assert "    [int]$UpdateLimit = 40" in step.script
    interpret(contents, step.script)
    assert contents.updates_installed == 10 and contents.pending_reboot
    interpret(contents, render(builtin("windowsRestart"), builtin_text("windowsRestart")).script)
    assert not contents.pending_reboot


def test_remove_appx_packages_names_each_package_on_its_own_lines():
    contents = GuestContents(
        apps=["Microsoft.XboxApp", "Microsoft.WindowsCalculator"],
        per_user_appx=["Microsoft.ZuneMusic"],
    )
    step = render(
        builtin("removeAppxPackages", packages=("Microsoft.XboxApp", "Microsoft.ZuneMusic")),
        builtin_text("removeAppxPackages"),
    )
    for package in ("Microsoft.XboxApp", "Microsoft.ZuneMusic"):
        assert (
            f"Get-AppxPackage -AllUsers -Name '{package}' | Remove-AppxPackage -AllUsers"
            in step.script
        )
        assert (
            f"Where-Object DisplayName -EQ '{package}' | Remove-AppxProvisionedPackage -Online"
            in step.script
        )
    interpret(contents, step.script)
    assert contents.apps == ["Microsoft.WindowsCalculator"]
    assert contents.per_user_appx == []


def test_teams_and_multimedia_redirection_install_their_msis():
    contents = GuestContents()
    for name in ("teamsOptimization", "multimediaRedirection"):
        interpret(contents, render(builtin(name), builtin_text(name)).script)
    assert contents.apps == ["MsRdcWebRTCSvc_HostSetup_x64", "MsMmrHostInstaller"]


def test_languages_are_installed_one_line_each_and_the_default_is_a_quoted_literal():
    languages = render(
        builtin("installLanguagePacks", languages=("en-GB", "de-DE")),
        builtin_text("installLanguagePacks"),
    ).script
    assert "Install-Language -Language 'en-GB'\nInstall-Language -Language 'de-DE'\n" in languages
    assert "    [string[]]$Languages = @('en-GB', 'de-DE')\n" in languages
    default = render(
        builtin("setDefaultLanguage", language="en-GB"), builtin_text("setDefaultLanguage")
    )
    assert "    [string]$Language = 'en-GB'\n" in default.script


def test_unset_optional_parameters_keep_the_scripts_defaults():
    fslogix = render(builtin("fslogix"), builtin_text("fslogix")).script
    assert "    [string]$ProfilePath = ''\n" in fslogix
    share = render(
        builtin("fslogix", profilePath=r"\\stprofiles.file.core.windows.net\profiles"),
        builtin_text("fslogix"),
    ).script
    assert "    [string]$ProfilePath = '\\\\stprofiles.file.core.windows.net\\profiles'\n" in share


def test_a_label_does_not_change_which_script_runs_or_its_hash():
    plain = render(builtin("rdpShortpath"), builtin_text("rdpShortpath"))
    labelled = render(
        Customization(BUILTIN, "RDP over UDP", builtin="rdpShortpath"),
        builtin_text("rdpShortpath"),
    )
    assert labelled.name == "RDP over UDP" and labelled.builtin == "rdpShortpath"
    assert labelled.sha256 == plain.sha256


def test_values_cannot_escape_their_quotes():
    assert powershell_literal("O'Brien") == "'O''Brien'"
    assert (
        powershell_literal("a\u2019b") == "'a\u2019\u2019b'"
    )  # PowerShell treats U+2019 as a quote
    assert powershell_literal("$(Remove-Item C:\\ -Recurse)") == "'$(Remove-Item C:\\ -Recurse)'"
    assert powershell_literal(("x", "y'z")) == "@('x', 'y''z')"
    assert powershell_literal(True) == "$true" and powershell_literal(40) == "40"
    hostile = "'; Restart-Computer; '"
    step = render(
        builtin("setDefaultLanguage", language=hostile), builtin_text("setDefaultLanguage")
    )
    assert "$Language = '''; Restart-Computer; '''\n" in step.script
    assert not interpret(GuestContents(), step.script).restarted


def test_line_breaks_in_values_are_refused():
    with pytest.raises(UserInputError, match="control character"):
        render(
            builtin("setDefaultLanguage", language="en-GB\nRestart-Computer"),
            builtin_text("setDefaultLanguage"),
        )


def test_unknown_and_missing_parameters_are_refused():
    with pytest.raises(UserInputError, match="rdpShortpath takes no parameter port"):
        render(builtin("rdpShortpath", port=3390), builtin_text("rdpShortpath"))
    with pytest.raises(UserInputError, match="required parameter Packages of removeAppxPackages"):
        render(builtin("removeAppxPackages"), builtin_text("removeAppxPackages"))


# --- the user's own scripts ---------------------------------------------------------------------

LOB = b"msiexec.exe /i C:\\install\\ContosoLob.msi /quiet\r\nWrite-Output 'done'\r\n"


def user_script(sha256: str, **parameters) -> Customization:
    return Customization(
        SCRIPT,
        "Northwind line-of-business apps",
        script_uri=URI,
        sha256=sha256,
        parameters=tuple(sorted(parameters.items())),
        restart_after=True,
    )


def test_a_user_script_runs_unchanged_with_its_hash():
    step = render(user_script(sha256_hex(LOB)), LOB)
    assert step.script == LOB.decode()
    assert (step.sha256, step.uri, step.restart_after) == (sha256_hex(LOB), URI, True)


def test_a_user_script_whose_hash_differs_is_refused_naming_both_hashes():
    expected = "3f5b9c1e7a2d4f6081b3c5e7d9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f4"
    with pytest.raises(ScriptChecksumMismatch) as caught:
        render(user_script(expected), LOB)
    error = caught.value
    assert str(error) == (
        f"the script {URI} has SHA-256 {sha256_hex(LOB)}, but the configuration expects"
        f" {expected}; nothing was created"
    )
    assert (error.uri, error.expected, error.actual) == (URI, expected, sha256_hex(LOB))


def test_a_utf16_script_is_hashed_as_downloaded_and_read_as_text():
    content = "\ufeffWrite-Output 'hallo'\r\n".encode("utf-16-le")  # starts FF FE
    step = render(user_script(sha256_hex(content)), content)
    assert step.script.lstrip("\ufeff") == "Write-Output 'hallo'\r\n"
    assert step.sha256 == sha256_hex(content)


def test_user_script_parameters_become_arguments():
    assert script_arguments((("Apps", ("Word", "Excel")), ("Force", True), ("Retries", 3))) == (
        "-Apps @('Word', 'Excel') -Force:$true -Retries 3"
    )
    with pytest.raises(UserInputError):
        script_arguments((("bad name", "x"),))
