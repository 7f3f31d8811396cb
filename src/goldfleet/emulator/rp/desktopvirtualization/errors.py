"""Every error the DesktopVirtualization provider answers, with its evidence.

The AVD resource provider answers its own validation failures as HTTP 400 with the code
``"400"`` and a message ``ActivityId: <guid> Error: <text>`` (seen in public logs, e.g.
hashicorp/terraform#31075: ``Code="400" Message="ActivityId: 4b77... Error: The SessionHostPool
test-hp could not be deleted because it still has ApplicationGroups associated with it. Please
remove all ApplicationGroups from the SessionHostPool and retry the operation."`` and
Azure/AVDSessionHostReplacer#38: ``[400] : ActivityId: 43d3... Error: ExpirationTime value must
be between one hour and 30 days from now``). :class:`AvdError` carries the text; the handlers add
the ActivityId (the request id). Texts marked *ours* are worded by the emulator because no real
response could be found; docs/emulator/desktopvirtualization.md lists them.
"""

from __future__ import annotations

from typing import Any

from goldfleet.emulator.arm.errors import ArmError, not_found


class AvdError(ArmError):
    """An AVD provider error; ``text`` is what follows ``Error:`` in the message."""

    def __init__(self, text: str, status: int = 400) -> None:
        super().__init__(status, str(status), text)
        self.text = text

    def with_activity(self, activity_id: str) -> AvdError:
        self.message = f"ActivityId: {activity_id} Error: {self.text}"
        return self


# --- evidence: public logs of real responses ----------------------------------------------------


def expiration_out_of_range() -> AvdError:
    return AvdError("ExpirationTime value must be between one hour and 30 days from now")


def pool_has_application_groups(pool: str) -> AvdError:
    return AvdError(
        f"The SessionHostPool {pool} could not be deleted because it still has ApplicationGroups "
        "associated with it. Please remove all ApplicationGroups from the SessionHostPool and "
        "retry the operation."
    )


# --- ours (shaped like the ones above) ------------------------------------------------------------


def pool_has_session_hosts(pool: str) -> AvdError:
    return AvdError(
        f"The SessionHostPool {pool} could not be deleted because it still has SessionHosts "
        "associated with it. Please remove all SessionHosts from the SessionHostPool and retry "
        "the operation."
    )


def host_has_sessions(host: str) -> AvdError:
    return AvdError(
        f"The SessionHost {host} could not be deleted because it still has UserSessions "
        "associated with it. Please log off all UserSessions from the SessionHost or use the "
        "force flag and retry the operation."
    )


def invalid_value(field: str, value: Any, allowed: tuple[str, ...]) -> AvdError:
    listing = f" Allowed values: {', '.join(allowed)}." if allowed else ""
    return AvdError(f"The value '{value}' is not valid for {field}.{listing}")


def required(field: str) -> AvdError:
    return AvdError(f"The {field} field is required.")


def location_required() -> ArmError:
    return ArmError(
        400, "LocationRequired", "The location property is required for this definition."
    )


def invalid_combination(text: str) -> AvdError:
    return AvdError(text)


def expiration_unparseable(value: Any) -> AvdError:
    return AvdError(f"The ExpirationTime value '{value}' is not a valid date time.")


def cannot_change(field: str) -> AvdError:
    return AvdError(f"The property {field} cannot be changed after the resource is created.")


def desktop_group_exists(pool: str, existing: str) -> AvdError:
    return AvdError(
        f"The SessionHostPool {pool} already has a Desktop ApplicationGroup ({existing}). "
        "A SessionHostPool can have only one Desktop ApplicationGroup."
    )


def host_pool_missing(path: str) -> AvdError:
    return AvdError(f"The SessionHostPool {path} does not exist.")


def application_group_missing(path: str) -> AvdError:
    return AvdError(f"The ApplicationGroup {path} does not exist.")


def application_group_in_other_workspace(group: str, workspace: str) -> AvdError:
    return AvdError(
        f"The ApplicationGroup {group} is already associated with the Workspace {workspace}. "
        "An ApplicationGroup can be associated with only one Workspace."
    )


def pool_in_other_scaling_plan(pool: str, plan: str) -> AvdError:
    return AvdError(
        f"The SessionHostPool {pool} is already associated with the ScalingPlan {plan}. "
        "A SessionHostPool can be associated with only one ScalingPlan."
    )


def scaling_plan_pool_type(pool: str, plan_type: str) -> AvdError:
    return AvdError(f"The SessionHostPool {pool} is not of the ScalingPlan's type {plan_type}.")


def assigned_user_on_pooled(host: str) -> AvdError:
    return AvdError(
        f"The SessionHost {host} belongs to a Pooled SessionHostPool; a user can be assigned "
        "only to a SessionHost of a Personal SessionHostPool."
    )


def reassign_needs_force(host: str, user: str) -> AvdError:
    return AvdError(
        f"The SessionHost {host} is already assigned to {user}. Use the force flag to unassign "
        "or reassign a personal desktop."
    )


def user_assigned_elsewhere(user: str, host: str) -> AvdError:
    return AvdError(f"The user {user} is already assigned to the SessionHost {host}.")


def unsupported_filter(text: str) -> AvdError:
    return AvdError(
        f"The filter '{text}' is not supported. Supported: userPrincipalName eq '<upn>' and "
        "sessionState eq '<state>' joined with 'and'."
    )


def session_host_not_found(name: str) -> ArmError:
    return not_found("Microsoft.DesktopVirtualization/hostPools/sessionHosts", name, None)


def user_session_not_found(name: str) -> ArmError:
    return not_found(
        "Microsoft.DesktopVirtualization/hostPools/sessionHosts/userSessions", name, None
    )
