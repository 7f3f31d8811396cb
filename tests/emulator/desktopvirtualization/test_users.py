"""Simulated users: they sign in during their working hours where the load balancer sends them,
never onto a drained host, sign out when messaged (with the population's probability), and
count as disrupted when their host is deleted under them; the capacity series follows."""

from __future__ import annotations

from tests.emulator.desktopvirtualization.support import (
    RG,
    advance,
    avd_client,
    control,
    make_pool,
    pool_id,
    register_host,
)

# The test world's clock starts Monday 2026-11-23 08:00 UTC.
HOSTS = ("avd-0.contoso.local", "avd-1.contoso.local", "avd-2.contoso.local")


def population(emu, users: int, sign_out: float = 1.0, **extra) -> tuple[int, dict]:
    body = {
        "hostPoolId": pool_id(),
        "users": users,
        "timeZone": "UTC",
        "start": "09:00",
        "end": "17:00",
        "signOutOnMessage": sign_out,
        **extra,
    }
    return control(emu, "PUT", "/desktopvirtualization/populations", body)


def metrics(emu) -> dict:
    return dict(
        emu.control("GET", f"/desktopvirtualization/metrics?hostPoolId={pool_id()}")[
            pool_id().lower()
        ]
    )


def sessions_per_host(client) -> dict[str, int]:
    return {h.name.split("/")[1]: h.sessions for h in client.session_hosts.list(RG, "hp1")}


def test_users_sign_in_in_working_hours_spread_breadth_first(emu):
    client = avd_client(emu)
    make_pool(client, maxSessionLimit=10)
    for fqdn in HOSTS:
        register_host(emu, fqdn=fqdn)
    status, _ = population(emu, 12)
    assert status == 200
    assert sum(sessions_per_host(client).values()) == 0  # 08:00: nobody yet
    advance(emu, 2 * 3600)  # 10:00: everyone is in
    assert sessions_per_host(client) == {h: 4 for h in HOSTS}
    assert metrics(emu)["signIns"] == 12
    advance(emu, 9 * 3600)  # 19:00: all gone home
    assert sum(sessions_per_host(client).values()) == 0


def test_a_drained_host_takes_nobody_and_messaged_users_move(emu):
    client = avd_client(emu)
    make_pool(client, maxSessionLimit=10)
    for fqdn in HOSTS:
        register_host(emu, fqdn=fqdn)
    population(emu, 6, sign_out=1.0)
    client.session_hosts.update(
        RG, "hp1", HOSTS[0], session_host={"properties": {"allowNewSession": False}}
    )
    advance(emu, 2 * 3600)
    spread = sessions_per_host(client)
    assert spread[HOSTS[0]] == 0 and spread[HOSTS[1]] + spread[HOSTS[2]] == 6
    # Drain the second host and message its users: they sign out and come back on the third.
    client.session_hosts.update(
        RG, "hp1", HOSTS[1], session_host={"properties": {"allowNewSession": False}}
    )
    for session in client.user_sessions.list(RG, "hp1", HOSTS[1]):
        client.user_sessions.send_message(
            RG,
            "hp1",
            HOSTS[1],
            session.name.rsplit("/", 1)[-1],
            {"messageTitle": "Update", "messageBody": "Please sign out"},
        )
    advance(emu, 20 * 60)
    assert sessions_per_host(client) == {HOSTS[0]: 0, HOSTS[1]: 0, HOSTS[2]: 6}
    seen = metrics(emu)
    assert seen["signedOutAfterMessage"] == spread[HOSTS[1]] and seen["disruptions"] == 0
    assert seen["minServing"] == 1  # two of three hosts drained


def test_deleting_a_host_with_users_is_a_disruption(emu):
    client = avd_client(emu)
    make_pool(client, maxSessionLimit=10)
    register_host(emu, fqdn=HOSTS[0])
    population(emu, 3, sign_out=0.0)
    advance(emu, 2 * 3600)
    client.session_hosts.delete(RG, "hp1", HOSTS[0], force=True)
    seen = metrics(emu)
    assert seen["disruptions"] == 3 and seen["minServing"] == 0
    assert seen["connectionFailures"] == 0
    advance(emu, 600)  # they try again: nobody can take them
    assert metrics(emu)["connectionFailures"] >= 3


def test_bad_populations_are_refused(emu):
    make_pool(avd_client(emu))
    assert population(emu, -1)[0] == 400
    assert population(emu, 3, timeZone="Mars/Olympus")[0] == 400
    assert population(emu, 3, sign_out=2.0)[0] == 400
    assert population(emu, 3, days=["Funday"])[0] == 400
