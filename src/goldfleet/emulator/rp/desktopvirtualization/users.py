"""The people using host pools, and what a rollout costs them.

A pool's *population* (``set_population``, or ``PUT /_emulator/desktopvirtualization/
populations``) is ``users`` people who sign in on working days (``days``) between ``start`` and
``end`` local time in ``timeZone``, each at a time spread over the first hour, and sign out
around the end of the day (up to an hour either side). A sign-in goes where the pool's load
balancer sends it: breadth-first to the host with the fewest sessions, depth-first to the fullest
host below ``maxSessionLimit``, persistent (personal pools) to the user's assigned host or a free
one; only ``Available`` hosts that allow new sessions take it. A user nobody takes counts as a
connection failure and tries again five minutes later.

A user who gets a message signs out, with probability ``signOutOnMessage``, within one to ten
minutes, and signs in again (elsewhere, since the drained host takes no new session) a minute or
two later; the others stay until the end of their day. A session ended by a forced logoff or by
deleting its host is a *disruption*.

Metrics (``metrics``): per pool, the serving hosts (Available, allowing new sessions) at every
change, the lowest count seen, disruptions, logoffs after a message, and connection failures.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.rp.desktopvirtualization import autoscale, host_pools, model, sessions
from goldfleet.emulator.rp.desktopvirtualization.model import SESSION_HOST, USER_SESSION
from goldfleet.emulator.world import World

SIGN_IN = "desktopvirtualization.users.sign_in"
SIGN_OUT = "desktopvirtualization.users.sign_out"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
RETRY = 300.0


def _populations(world: World) -> dict[str, Any]:
    found: dict[str, Any] = model.section(world).setdefault("populations", {})
    return found


def _metrics(world: World, pool_id: str) -> dict[str, Any]:
    all_metrics: dict[str, Any] = model.section(world).setdefault("metrics", {})
    found: dict[str, Any] = all_metrics.setdefault(
        pool_id.lower(),
        {"capacity": [], "minServing": None, "connectionFailures": 0, "signIns": 0},
    )
    return found


def set_population(world: World, pool_id: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Give the pool its users; the signed-in people of a population it replaces finish their
    day as planned. Returns the stored population."""
    pool = host_pools.pool_by_id(world, pool_id)
    if pool is None:
        raise ValueError(f"no host pool {pool_id}")
    count = spec.get("users")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ValueError("'users' must be a non-negative integer")
    zone = str(spec.get("timeZone") or "UTC")
    try:
        ZoneInfo(zone)
    except (ValueError, ZoneInfoNotFoundError) as exc:
        raise ValueError(f"unknown time zone {zone!r}") from exc
    days = [str(d)[:3].title() for d in spec.get("days") or DAYS[:5]]
    if any(d not in DAYS for d in days):
        raise ValueError(f"'days' must be among {', '.join(DAYS)}")
    chance = float(spec.get("signOutOnMessage", 0.7))
    if not 0.0 <= chance <= 1.0:
        raise ValueError("'signOutOnMessage' must be between 0 and 1")
    population: dict[str, Any] = {
        "poolId": pool.id,
        "timeZone": zone,
        "start": time.fromisoformat(str(spec.get("start") or "08:00")).isoformat(),
        "end": time.fromisoformat(str(spec.get("end") or "18:00")).isoformat(),
        "days": days,
        "signOutOnMessage": chance,
        "users": {},
    }
    domain = str(spec.get("domain") or "contoso.com")
    before = _populations(world).get(pool.id.lower())
    _populations(world)[pool.id.lower()] = population
    for index in range(count):
        upn = f"user{index:03d}.{pool.body['name']}@{domain}".lower()
        population["users"][upn] = {"session": None, "gen": 0}
        _plan_day(world, population, upn, world.now_dt())
    # People of the population it replaces who are signed in finish their day as planned.
    for upn, user in (before or {}).get("users", {}).items():
        if upn not in population["users"] and user["session"]:
            population["users"][upn] = {**user, "leaving": True}
    _sample(world, pool.id)
    return population


def _local_day(population: dict[str, Any], at: datetime) -> tuple[datetime, datetime] | None:
    """The working day (start, end) in UTC that ``at`` falls in or that comes next."""
    zone = ZoneInfo(population["timeZone"])
    local = at.astimezone(zone)
    for offset in range(8):
        day = (local + timedelta(days=offset)).date()
        if DAYS[day.weekday()] not in population["days"]:
            continue
        start = datetime.combine(day, time.fromisoformat(population["start"]), zone)
        end = datetime.combine(day, time.fromisoformat(population["end"]), zone)
        if end > at:
            return start, end
    return None


def _plan_day(world: World, population: dict[str, Any], upn: str, after: datetime) -> None:
    """Schedule the user's next sign-in and sign-out."""
    day = _local_day(population, after)
    if day is None:
        return
    start, end = day
    sign_in = start + timedelta(seconds=world.rng.uniform(0, 3600))
    sign_out = end + timedelta(seconds=world.rng.uniform(-1800, 3600))
    user = population["users"][upn]
    user["gen"] += 1
    args = {"pool": population["poolId"], "upn": upn, "gen": user["gen"]}
    world.scheduler.at(max(world.now(), sign_in.timestamp()), SIGN_IN, args)
    world.scheduler.at(max(world.now() + 60, sign_out.timestamp()), SIGN_OUT, {**args, "day": True})


def _user(world: World, args: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    population = _populations(world).get(str(args["pool"]).lower())
    if population is None:
        return None
    user = population["users"].get(args["upn"])
    if user is None or user["gen"] != args["gen"]:
        return None
    return population, user


def _serving(host: StoredResource) -> bool:
    props = host.body["properties"]
    return props["status"] == "Available" and bool(props["allowNewSession"])


def _choose(world: World, pool: StoredResource, upn: str) -> StoredResource | None:
    """Where the load balancer sends ``upn``."""
    props = pool.body["properties"]
    hosts = [h for h in world.store.children(pool.id, SESSION_HOST) if _serving(h)]
    if props["hostPoolType"] == "Personal":
        mine = [h for h in hosts if (h.body["properties"].get("assignedUser") or "") == upn]
        free = [h for h in hosts if not h.body["properties"].get("assignedUser")]
        assigned_elsewhere = any(
            (h.body["properties"].get("assignedUser") or "") == upn
            for h in world.store.children(pool.id, SESSION_HOST)
        )
        if mine or assigned_elsewhere:
            return mine[0] if mine else None
        return free[0] if free else None
    limit = props.get("maxSessionLimit") or 999999
    counts = [(len(world.store.children(h.id, USER_SESSION)), h.id, h) for h in hosts]
    open_hosts = [c for c in counts if c[0] < limit]
    if not open_hosts:
        return None
    if (autoscale.balancer(world, pool.id) or props["loadBalancerType"]) == "DepthFirst":
        return max(open_hosts, key=lambda c: (c[0], c[1]))[2]
    return min(open_hosts, key=lambda c: (c[0], c[1]))[2]


def _sign_in(world: World, args: dict[str, Any]) -> None:
    found = _user(world, args)
    if found is None:
        return
    population, user = found
    if user.get("leaving") or (user["session"] and world.store.get(user["session"])):
        return
    day = _local_day(population, world.now_dt())
    if day is None or not day[0] <= world.now_dt() < day[1]:
        return  # the day is over
    pool = host_pools.pool_by_id(world, population["poolId"])
    host = _choose(world, pool, args["upn"]) if pool is not None else None
    metrics = _metrics(world, population["poolId"])
    if host is None:
        metrics["connectionFailures"] += 1
        world.scheduler.at(world.now() + RETRY, SIGN_IN, args)
        return
    try:
        session = sessions.start_session(world, host.id, args["upn"])
    except sessions.SessionRefused:
        metrics["connectionFailures"] += 1
        world.scheduler.at(world.now() + RETRY, SIGN_IN, args)
        return
    user["session"] = session.id
    metrics["signIns"] += 1


def _sign_out(world: World, args: dict[str, Any]) -> None:
    found = _user(world, args)
    if found is None:
        return
    population, user = found
    if user["session"]:
        sessions.end_session(world, user["session"], reason="userLogoff")
        user["session"] = None
    if user.get("leaving"):
        del population["users"][args["upn"]]
    elif args.get("day"):
        _plan_day(world, population, args["upn"], world.now_dt() + timedelta(hours=6))
    else:  # signed out because of a message: back in a minute or two, on another host
        world.scheduler.at(world.now() + world.rng.uniform(60, 180), SIGN_IN, dict(args))


def _messaged(world: World, session: StoredResource) -> None:
    pool_id = session.id.rsplit("/sessionHosts/", 1)[0]
    population = _populations(world).get(pool_id.lower())
    if population is None:
        return
    upn = str(session.body["properties"]["userPrincipalName"]).lower()
    user = population["users"].get(upn)
    if user is None or user["session"] != session.id:
        return
    if world.rng.random() < population["signOutOnMessage"]:
        args = {"pool": population["poolId"], "upn": upn, "gen": user["gen"]}
        world.scheduler.at(world.now() + world.rng.uniform(60, 600), SIGN_OUT, args)


def _ended(world: World, session: StoredResource, forced: bool) -> None:
    """A user thrown out (forced logoff, host deleted) tries to sign in again shortly."""
    if not forced:
        return
    pool_id = session.id.rsplit("/sessionHosts/", 1)[0]
    population = _populations(world).get(pool_id.lower())
    upn = str(session.body["properties"]["userPrincipalName"]).lower()
    user = (population or {}).get("users", {}).get(upn)
    if population is None or user is None or user["session"] != session.id:
        return
    user["session"] = None
    args = {"pool": population["poolId"], "upn": upn, "gen": user["gen"]}
    world.scheduler.at(world.now() + world.rng.uniform(60, 180), SIGN_IN, args)


def _sample(world: World, pool_id: str) -> None:
    """Record the pool's serving capacity when it changes."""
    pool = host_pools.pool_by_id(world, pool_id)
    if pool is None:
        return
    hosts = world.store.children(pool.id, SESSION_HOST)
    serving = sum(1 for h in hosts if _serving(h))
    metrics = _metrics(world, pool.id)
    series = metrics["capacity"]
    if series and series[-1]["serving"] == serving and series[-1]["hosts"] == len(hosts):
        return
    series.append({"time": iso(world.now_dt()), "serving": serving, "hosts": len(hosts)})
    if metrics["minServing"] is None or serving < metrics["minServing"]:
        metrics["minServing"] = serving


def metrics(world: World, pool_id: str | None = None) -> dict[str, Any]:
    """Per pool: capacity series, lowest serving count, disruptions and connection failures.
    The lowest count is over the samples since ``reset_metrics`` (or the start)."""
    logoffs = sessions.logoffs(world)
    out: dict[str, Any] = {}
    for key, data in model.section(world).get("metrics", {}).items():
        if pool_id is not None and key != pool_id.lower():
            continue
        mine = [e for e in logoffs if e["sessionHostId"].lower().startswith(key + "/")]
        out[key] = {
            **data,
            "disruptions": sum(1 for e in mine if e["forced"]),
            "signedOutAfterMessage": sum(1 for e in mine if e["messaged"] and not e["forced"]),
        }
    return out


def reset_metrics(world: World) -> None:
    model.section(world)["metrics"] = {}
    model.section(world)["logoffs"] = []
    for population in _populations(world).values():
        _sample(world, population["poolId"])


def install(world: World) -> None:
    world.scheduler.register(SIGN_IN, _sign_in)
    world.scheduler.register(SIGN_OUT, _sign_out)


def register_listeners() -> None:
    model.on_host_change(_sample)
    sessions.on_message(_messaged)
    sessions.on_session_end(_ended)


register_listeners()
