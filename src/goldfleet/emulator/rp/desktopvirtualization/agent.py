"""The AVD agent and the directory joins, as the VM extensions Microsoft's templates use make
them happen on a simulated VM.

* ``Microsoft.Powershell.DSC`` running ``AddSessionHost``: when the extension finishes, the agent
  registers the VM with the pool its registration token (``protectedSettings.Items.
  RegistrationInfoToken``) names. An expired, rotated or foreign token fails the extension, as
  the DSC configuration does in Azure, and no session host appears.
* ``Microsoft.Azure.ActiveDirectory.AADLoginForWindows``: Entra join (the VM needs a
  system-assigned identity); ``mdmId`` also enrols it in Intune.
* ``Microsoft.Compute.JsonADDomainExtension``: AD join of ``settings.Name`` as ``settings.User``
  with ``protectedSettings.Password``; a domain the world does not know (when it knows any) is
  error 1355, an empty password 1326.

A session host's ``status`` and health checks follow its VM: ``Shutdown`` while it is stopped or
deallocated, ``Unavailable`` when its guest is not joined to a directory or its agent cannot
start, ``NeedsAssistance`` when the image has other defects (``GuestContents.defects``),
``Available`` otherwise. A deleted VM leaves a ghost session host that goes ``Unavailable``
``ghostAfter`` simulated seconds later (the heartbeat timeout), as in Azure.
"""

from __future__ import annotations

from typing import Any

from goldfleet.emulator.arm.clock import iso
from goldfleet.emulator.arm.errors import ArmError
from goldfleet.emulator.arm.store import StoredResource
from goldfleet.emulator.guest.contents import GuestContents, put_contents
from goldfleet.emulator.rp.compute.machine_contents import contents_for, contents_key
from goldfleet.emulator.rp.compute.machines import extensions, vm_backend, vm_power
from goldfleet.emulator.rp.compute.machines.vmss_instances import INSTANCE as SCALE_SET_INSTANCE
from goldfleet.emulator.rp.compute.naming import VIRTUAL_MACHINE
from goldfleet.emulator.rp.desktopvirtualization import model, session_hosts, tokens
from goldfleet.emulator.world import World

GHOST_EVENT = "desktopvirtualization.agent.ghost"
GHOST_AFTER_SECONDS = 300.0  # the service marks a host without heartbeats Unavailable
FAILED = "HealthCheckFailed"
SUCCEEDED = "HealthCheckSucceeded"


def _agents(world: World) -> dict[str, str]:
    """VM id (lower case) -> the session host id its agent registered."""
    agents: dict[str, str] = model.section(world).setdefault("agents", {})
    return agents


def known_domains(world: World) -> dict[str, str]:
    """Active Directory domains the world's networks can reach: name (lower) -> join password.
    Empty means any domain joins (the world models no directory)."""
    domains: dict[str, str] = model.section(world).setdefault("domains", {})
    return domains


def _extension_failure(extension: StoredResource, text: str) -> ArmError:
    props = extension.body.get("properties") or {}
    return ArmError(
        400,
        "VMExtensionProvisioningError",
        f"VM has reported a failure when processing extension '{extension.body['name']}' "
        f"(publisher '{props.get('publisher')}' and type '{props.get('type')}'). "
        f"Error message: '{text}'.",
    )


def _contents(world: World, vm: StoredResource) -> GuestContents:
    return contents_for(world, vm.id) or GuestContents()


def _save(world: World, vm: StoredResource, contents: GuestContents) -> None:
    put_contents(world, contents_key(world, vm.id), contents)


# --- the extensions ---------------------------------------------------------------------------


def entra_join(world: World, vm: StoredResource, extension: StoredResource) -> None:
    identity = str((vm.body.get("identity") or {}).get("type") or "")
    if "systemassigned" not in identity.lower().replace(" ", ""):
        raise _extension_failure(
            extension,
            "AADLoginForWindows requires a system-assigned managed identity on the virtual "
            "machine; enable it and reinstall the extension",
        )
    settings = (extension.body.get("properties") or {}).get("settings") or {}
    contents = _contents(world, vm)
    contents.entra_joined = True
    contents.intune_enrolled = bool(settings.get("mdmId"))
    _save(world, vm, contents)
    _refresh(world, vm)


def ad_join(world: World, vm: StoredResource, extension: StoredResource) -> None:
    settings = (extension.body.get("properties") or {}).get("settings") or {}
    password = str(extensions.protected_settings(extension).get("Password") or "")
    domain = str(settings.get("Name") or "").strip()
    user = str(settings.get("User") or "").strip()
    if not domain or not user:
        raise _extension_failure(
            extension,
            "Exception(s) occured while joining Domain ''. Settings 'Name' and 'User' are required",
        )
    known = known_domains(world)
    if known and domain.lower() not in known:
        raise _extension_failure(
            extension,
            f"Exception(s) occured while joining Domain '{domain}'. Computer '"
            f"{_computer(vm)}' failed to join domain '{domain}' from its current workgroup "
            "'WORKGROUP' with following error message: The specified domain either does not "
            "exist or could not be contacted.",
        )
    if not password or (known and known[domain.lower()] != password):
        raise _extension_failure(
            extension,
            f"Exception(s) occured while joining Domain '{domain}'. Computer '"
            f"{_computer(vm)}' failed to join domain '{domain}' from its current workgroup "
            "'WORKGROUP' with following error message: The user name or password is incorrect.",
        )
    contents = _contents(world, vm)
    contents.domain = domain
    _save(world, vm, contents)
    _refresh(world, vm)


def add_session_host(world: World, vm: StoredResource, extension: StoredResource) -> None:
    items = extensions.protected_settings(extension).get("Items") or {}
    token = str(items.get("RegistrationInfoToken") or "")
    pool_id = tokens.validate_token(world, token) if token else None
    if pool_id is None:
        raise _extension_failure(
            extension,
            "DSC Configuration 'AddSessionHost' completed with error(s). Following are the first "
            "few: PowerShell DSC resource MSFT_ScriptResource  failed to execute "
            "Set-TargetResource functionality with error message: InvalidRegistrationToken: The "
            "registration token is not valid or has expired. Generate a new registration token "
            "for the host pool and redeploy.",
        )
    contents = _contents(world, vm)
    contents.avd_agent_installed = True
    _save(world, vm, contents)
    fqdn = _computer(vm) + (f".{contents.domain}" if contents.domain else "")
    status, checks = evaluate(world, vm)
    host = session_hosts.register_session_host(
        world, pool_id, fqdn, vm.id, status=status, health=checks
    )
    _agents(world)[vm.id.lower()] = host.id


# --- status ------------------------------------------------------------------------------------


def _computer(vm: StoredResource) -> str:
    profile = (vm.body.get("properties") or {}).get("osProfile") or {}
    return str(profile.get("computerName") or vm.body["name"]).lower()


def _check(name: str, ok: bool, message: str = "") -> dict[str, Any]:
    check: dict[str, Any] = {
        "healthCheckName": name,
        "healthCheckResult": SUCCEEDED if ok else FAILED,
    }
    if message:
        check["additionalFailureDetails"] = {"message": message, "errorCode": 0 if ok else -1}
    return check


def evaluate(world: World, vm: StoredResource) -> tuple[str, list[dict[str, Any]]]:
    """The status and health checks the agent on ``vm`` reports now."""
    names = session_hosts.DEFAULT_CHECKS
    if vm_backend.power_of(vm) != "running":
        return "Shutdown", [
            {"healthCheckName": n, "healthCheckResult": "SessionHostShutdown"} for n in names
        ]
    contents = _contents(world, vm)
    joined = bool(contents.domain) or contents.entra_joined
    agent_broken = [d for d in contents.defects if "rdagent" in d.lower()]
    other = [d for d in contents.defects if d not in agent_broken]
    checks = [
        _check("DomainJoinedCheck", joined, "" if joined else "The machine is not joined"),
        _check("DomainTrustCheck", joined),
        _check("SxSStackListenerCheck", not agent_broken, "; ".join(agent_broken)),
        _check("UrlsAccessibleCheck", not other, "; ".join(other)),
        _check("MetaDataServiceCheck", True),
    ]
    if not joined or agent_broken:
        return "Unavailable", checks
    return ("NeedsAssistance" if other else "Available"), checks


def _host_of(world: World, vm_id: str) -> StoredResource | None:
    host_id = _agents(world).get(vm_id.lower())
    return world.store.get(host_id) if host_id else None


def _refresh(world: World, vm: StoredResource) -> None:
    """Report the VM's current status through its agent, if it registered one."""
    host = _host_of(world, vm.id)
    if host is None:
        return
    status, checks = evaluate(world, vm)
    session_hosts.heartbeat(world, host.id, status, checks)


def _vm_deleted(world: World, vm: StoredResource) -> None:
    host_id = _agents(world).pop(vm.id.lower(), None)
    if host_id and world.store.get(host_id) is not None:
        world.scheduler.at(world.now() + GHOST_AFTER_SECONDS, GHOST_EVENT, {"id": host_id})


def _ghost(world: World, args: dict[str, Any]) -> None:
    """No heartbeat since the VM went: the service marks the session host Unavailable."""
    host = world.store.get(str(args["id"]))
    if host is None or host.body["properties"]["status"] == "Unavailable":
        return
    vm = world.store.get(str(host.body["properties"].get("resourceId") or ""))
    if vm is not None:
        return
    properties = host.body["properties"]
    properties["status"] = "Unavailable"
    properties["statusTimestamp"] = iso(world.now_dt())
    model.host_changed(world, host.id.rsplit("/sessionHosts/", 1)[0])


def install(world: World) -> None:
    world.on_delete(VIRTUAL_MACHINE, _vm_deleted)
    world.on_delete(SCALE_SET_INSTANCE, _vm_deleted)
    world.scheduler.register(GHOST_EVENT, _ghost)


def register_handlers() -> None:
    """At import time: the extension handlers and the VM power listener."""
    extensions.register_extension_handler("Microsoft.Powershell.DSC", add_session_host)
    extensions.register_extension_handler(
        "Microsoft.Azure.ActiveDirectory.AADLoginForWindows", entra_join
    )
    extensions.register_extension_handler("Microsoft.Compute.JsonADDomainExtension", ad_join)
    vm_power.on_power_change(_refresh)


register_handlers()
