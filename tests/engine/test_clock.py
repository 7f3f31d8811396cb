"""The Clock port: the fake clock moves only when told, the system clock really waits, and the
emulator clock follows the emulator's simulated time (speed, jumps) over HTTPS."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from goldfleet.domain.errors import UserInputError
from goldfleet.engine.clock import Clock, EmulatorClock, EmulatorTime, FakeClock, SystemClock

START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_every_clock_is_a_clock(emu):
    for clock in (
        SystemClock(),
        FakeClock(),
        EmulatorClock(emu.endpoint, emu.ca_path, control_secret=emu.control_secret),
    ):
        assert isinstance(clock, Clock)


def test_a_fake_clock_stands_still_and_waiting_moves_it():
    clock = FakeClock(START)
    assert clock.now() == START
    clock.sleep_until(START + timedelta(hours=7))
    clock.sleep(30)
    asyncio.run(clock.sleep_until_async(START))  # already past: no wait
    assert clock.now() == START + timedelta(hours=7, seconds=30)
    assert clock.waits == [
        (START, START + timedelta(hours=7)),
        (START + timedelta(hours=7), START + timedelta(hours=7, seconds=30)),
    ]
    assert clock.advance(timedelta(minutes=1)) == START + timedelta(hours=7, minutes=1, seconds=30)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.sleep_until(datetime(2026, 1, 1))


def test_the_system_clock_waits_in_real_time():
    clock = SystemClock()
    began = time.monotonic()
    clock.sleep_until(clock.now() + timedelta(milliseconds=50))
    asyncio.run(clock.sleep_async(0.05))
    assert time.monotonic() - began >= 0.1
    assert clock.now().tzinfo is UTC


def test_an_emulator_reading_translates_simulated_waits_into_real_ones():
    reading = EmulatorTime(START, speed=60)
    assert reading.real_seconds_until(START + timedelta(minutes=30)) == 30
    assert reading.real_seconds_until(START - timedelta(minutes=1)) == 0
    assert EmulatorTime(START, speed=0).real_seconds_until(START + timedelta(seconds=1)) == float(
        "inf"
    )


def test_the_emulator_clock_reads_the_simulated_time(emu):
    emu.control("PUT", "/clock", {"now": "2027-02-01T02:00:00Z", "speed": 0})
    clock = EmulatorClock(emu.endpoint, emu.ca_path, control_secret=emu.control_secret)
    assert clock.now() == datetime(2027, 2, 1, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(("secret", "says"), [(None, "missing"), ("n" * 32, "wrong")])
def test_the_emulator_clock_without_its_control_secret_is_a_user_error(emu, secret, says):
    clock = EmulatorClock(emu.endpoint, emu.ca_path, control_secret=secret)
    with pytest.raises(UserInputError) as refused:
        clock.now()
    assert f"its control secret is {says}" in refused.value.message
    assert "GOLDFLEET_EMULATOR_SECRET" in (refused.value.hint or "")


def test_waiting_on_the_emulator_clock_takes_simulated_time_divided_by_speed(emu):
    emu.control("PUT", "/clock", {"speed": 3600})  # one simulated hour per real second
    clock = EmulatorClock(
        emu.endpoint, emu.ca_path, control_secret=emu.control_secret, poll_interval=5
    )
    target = clock.now() + timedelta(minutes=30)
    began = time.monotonic()
    clock.sleep_until(target)
    elapsed = time.monotonic() - began
    assert clock.now() >= target
    assert 0.4 < elapsed < 2.0, elapsed


def test_waiting_on_a_frozen_emulator_clock_ends_when_the_clock_is_moved(emu):
    emu.control("PUT", "/clock", {"speed": 0})
    clock = EmulatorClock(
        emu.endpoint, emu.ca_path, control_secret=emu.control_secret, poll_interval=0.05
    )
    target = clock.now() + timedelta(hours=6)
    mover = threading.Timer(0.3, lambda: emu.control("PUT", "/clock", {"advanceSeconds": 6 * 3600}))
    mover.start()
    began = time.monotonic()
    asyncio.run(clock.sleep_until_async(target))
    assert 0.25 < time.monotonic() - began < 3
    mover.join()
