"""goldfleet finds the emulator's control secret the way a user hands it over - in
GOLDFLEET_EMULATOR_SECRET, or in the control-secret file the emulator writes beside its CA - and
follows the emulator's clock with it; without it, a message and a hint, not a traceback."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest

from goldfleet.api.session import EMULATOR_SECRET_ENV, Target, clock_for, resolve_cloud
from goldfleet.azure.cloud import EMULATOR_SECRET_FILE
from goldfleet.domain.errors import UserInputError
from goldfleet.emulator.access import CONTROL_SECRET_FILE
from goldfleet.lifecycle.context import ApplyContext


@pytest.fixture
def no_secret_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(EMULATOR_SECRET_ENV, raising=False)


def test_goldfleet_and_the_emulator_agree_on_the_file_name():
    assert EMULATOR_SECRET_FILE == CONTROL_SECRET_FILE


def test_the_clock_is_followed_with_the_secret_found_beside_the_ca(emu, no_secret_in_env):
    emu.control("PUT", "/clock", {"now": "2027-03-01T06:30:00Z", "speed": 0})
    cloud = resolve_cloud(emulator=emu.endpoint, emulator_ca=emu.ca_path)
    assert cloud.control_secret == emu.control_secret
    assert emu.control_secret not in repr(cloud)
    assert clock_for(Target(cloud)).now() == datetime(2027, 3, 1, 6, 30, tzinfo=UTC)


def test_the_secret_in_the_environment_wins(emu, tmp_path, monkeypatch):
    lone_ca = tmp_path / "ca.pem"  # a copy of the CA with no secret beside it
    shutil.copy(emu.ca_path, lone_ca)
    monkeypatch.setenv(EMULATOR_SECRET_ENV, emu.control_secret)
    cloud = resolve_cloud(emulator=emu.endpoint, emulator_ca=lone_ca)
    assert clock_for(Target(cloud)).now().tzinfo is not None


def test_without_a_secret_the_emulator_cloud_is_a_user_error(emu, tmp_path, no_secret_in_env):
    lone_ca = tmp_path / "ca.pem"
    shutil.copy(emu.ca_path, lone_ca)
    with pytest.raises(UserInputError) as refused:
        resolve_cloud(emulator=emu.endpoint, emulator_ca=lone_ca)
    assert "control secret" in refused.value.message
    assert EMULATOR_SECRET_ENV in (refused.value.hint or "")
    assert str(tmp_path / EMULATOR_SECRET_FILE) in (refused.value.hint or "")


def test_a_wrong_secret_says_so_when_the_clock_is_read(emu, monkeypatch):
    monkeypatch.setenv(EMULATOR_SECRET_ENV, "not-the-secret-of-this-emulator")
    cloud = resolve_cloud(emulator=emu.endpoint, emulator_ca=emu.ca_path)
    with pytest.raises(UserInputError, match="control secret is wrong"):
        clock_for(Target(cloud)).now()


def test_the_secret_is_not_stored_with_an_apply_context_but_found_again(emu, no_secret_in_env):
    cloud = resolve_cloud(emulator=emu.endpoint, emulator_ca=emu.ca_path)
    context = ApplyContext.build(cloud, {}, "tester")
    assert emu.control_secret not in str(context.to_json())
    assert context.cloud_value().control_secret == emu.control_secret
