"""Schedules in the configuration: the three trigger types become domain values, and
``newSourceVersion`` is refused (file:line:col) unless the source can have a newer version."""

from __future__ import annotations

from datetime import time, timedelta

from goldfleet.domain.images import (
    CronSchedule,
    MonthlyWeekdaySchedule,
    NewSourceVersionSchedule,
    Weekday,
)
from tests.config.support import BASE, load_files, problems

MARKETPLACE = (
    "  source: {type: marketplace, publisher: MicrosoftWindowsDesktop, offer: office-365,"
    " sku: win11-24h2-avd-m365}\n"
)


def with_schedule(schedule: str, source: str | None = None) -> str:
    text = BASE.replace("  distribution:\n", f"  schedule: {schedule}\n  distribution:\n", 1)
    if source is not None:
        text = text.replace(MARKETPLACE, source, 1)
    return text


def pipeline_schedule(tmp_path, schedule: str):
    loaded = load_files(tmp_path, {"base.yaml": with_schedule(schedule)})
    [pipeline] = loaded.configuration.pipelines
    return pipeline.schedule


def test_base_has_the_marketplace_source_this_file_replaces():
    assert MARKETPLACE in BASE


def test_new_source_version_defaults(tmp_path):
    assert pipeline_schedule(tmp_path, "{type: newSourceVersion}") == NewSourceVersionSchedule(
        timedelta(minutes=60), 2
    )
    assert pipeline_schedule(
        tmp_path, "{type: newSourceVersion, checkEvery: 15, alertAfterFailures: 3}"
    ) == NewSourceVersionSchedule(timedelta(minutes=15), 3)


def test_cron_and_monthly_take_the_build_tenants_zone_and_an_alert_threshold(tmp_path):
    assert pipeline_schedule(tmp_path, "{type: cron, cron: '0 6 * * 1'}") == CronSchedule(
        "0 6 * * 1", "Europe/London", 2
    )
    monthly = "{type: monthlyWeekday, week: 2, weekday: Tue, offsetDays: 1, at: '06:00', alertAfterFailures: 4}"
    assert pipeline_schedule(tmp_path, monthly) == MonthlyWeekdaySchedule(
        2, Weekday.TUESDAY, time(6), "Europe/London", 1, 4
    )


def test_new_source_version_needs_a_source_that_can_change(tmp_path):
    managed = (
        "  source: {type: managedImage, id: /subscriptions/aaaaaaaa-0000-4000-8000-00000000000a"
        "/resourceGroups/rg-images/providers/Microsoft.Compute/images/img}\n"
    )
    text = with_schedule("{type: newSourceVersion}", managed)
    assert problems(tmp_path, {"base.yaml": text}) == [
        "base.yaml:36:20: ImagePipeline/monthly: spec.schedule.type: newSourceVersion needs a"
        ' marketplace or galleryVersion source (this pipeline\'s source is "managedImage")'
    ]


def test_new_source_version_needs_the_latest_version(tmp_path):
    pinned = MARKETPLACE.replace("}\n", ", version: 26100.2314.241107}\n")
    text = with_schedule("{type: newSourceVersion}", pinned)
    assert problems(tmp_path, {"base.yaml": text}) == [
        "base.yaml:36:20: ImagePipeline/monthly: spec.schedule.type: newSourceVersion needs the"
        ' source\'s version to be latest (it is pinned to "26100.2314.241107")'
    ]


def test_check_every_has_bounds(tmp_path):
    text = with_schedule("{type: newSourceVersion, checkEvery: 1}")
    [problem] = problems(tmp_path, {"base.yaml": text})
    assert problem.startswith("base.yaml:36:")
    assert "spec.schedule.checkEvery" in problem
