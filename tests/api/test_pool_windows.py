"""A pool's own maintenance windows replace its tenant's (in the tenant's time zone, with the
tenant's freezes); without them the pool uses the tenant's."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from goldfleet.api.rollouts import schedule_of
from goldfleet.config import load_configuration
from tests.api.estate import CONFIG


def test_a_pools_own_windows_replace_the_tenants(tmp_path: Path):
    config = tmp_path / "config"
    shutil.copytree(CONFIG, config)
    docs = [d for d in yaml.safe_load_all((config / "pools.yaml").read_text()) if d]
    for doc in docs:
        if doc["metadata"]["name"] == "contoso-pooled":
            doc["spec"]["maintenanceWindows"] = [
                {
                    "name": "tue-lunch",
                    "type": "weekly",
                    "days": ["Tue"],
                    "start": "12:00",
                    "duration": "1h",
                }
            ]
    (config / "pools.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    configuration = load_configuration(config).configuration
    own = schedule_of(configuration, configuration.host_pool("contoso-pooled"))
    tenant = configuration.tenant("contoso")
    assert [w.name for w in own.windows] == ["tue-lunch"]
    assert own.zone == tenant.time_zone and own.freezes == tenant.freezes
    # Tuesday 2027-01-12 11:00 in Sydney: the pool's window opens an hour later.
    now = datetime.fromisoformat("2027-01-12T00:00:00+00:00")
    start, window = own.batch_start(now, timedelta(minutes=30))
    assert window is not None and start == datetime.fromisoformat("2027-01-12T01:00:00+00:00")
    other = schedule_of(configuration, configuration.host_pool("fabrikam-pooled"))
    assert other.windows == configuration.tenant("fabrikam").windows
