"""Directory objects as Microsoft Graph v1.0 returns them, and how ``$filter`` sees them.

Each render function gives the whole object the emulator knows (what ``$filter`` and
``$select`` work on); :data:`DEFAULT_PROPERTIES` names what Graph returns without ``$select``
where that is less (users). Only the caller's tenant is ever visible; that is the routes' job.
No HTTP here.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from goldfleet.emulator.entra.directory import (
    Application,
    Directory,
    Group,
    ServicePrincipal,
    User,
    application_object_id,
)
from goldfleet.emulator.graph.odata import Entity

SERVICE_PRINCIPAL = Entity(
    resource="ServicePrincipal",
    odata_type="microsoft.graph.servicePrincipal",
    scalars=frozenset(
        {
            "id",
            "appId",
            "displayName",
            "servicePrincipalType",
            "accountEnabled",
            "appOwnerOrganizationId",
            "appDisplayName",
        }
    ),
    collections=frozenset({"servicePrincipalNames", "alternativeNames", "tags"}),
)
APPLICATION = Entity(
    resource="Application",
    odata_type="microsoft.graph.application",
    scalars=frozenset({"id", "appId", "displayName", "signInAudience", "publisherDomain"}),
    collections=frozenset({"identifierUris", "tags"}),
)
USER = Entity(
    resource="User",
    odata_type="microsoft.graph.user",
    scalars=frozenset(
        {
            "id",
            "userPrincipalName",
            "displayName",
            "mail",
            "givenName",
            "surname",
            "accountEnabled",
            "userType",
        }
    ),
)
GROUP = Entity(
    resource="Group",
    odata_type="microsoft.graph.group",
    scalars=frozenset(
        {"id", "displayName", "mailNickname", "mail", "securityEnabled", "mailEnabled"}
    ),
    collections=frozenset({"groupTypes"}),
)

DEFAULT_PROPERTIES: dict[str, tuple[str, ...] | None] = {
    # GET /users answers these unless $select asks for others (Graph's documented default set)
    "User": (
        "businessPhones",
        "displayName",
        "givenName",
        "jobTitle",
        "mail",
        "mobilePhone",
        "officeLocation",
        "preferredLanguage",
        "surname",
        "userPrincipalName",
        "id",
    ),
    "ServicePrincipal": None,
    "Application": None,
    "Group": None,
}


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def service_principal(directory: Directory, sp: ServicePrincipal) -> dict[str, Any]:
    """A servicePrincipal (the properties clients read)."""
    app = directory.application(sp.app_id)
    managed = sp.kind == "ManagedIdentity"
    names = [sp.app_id, sp.resource_id] if managed and sp.resource_id else [sp.app_id]
    if app is None:
        audience = "AzureADMyOrg"
    else:
        audience = "AzureADMultipleOrgs" if app.multi_tenant else "AzureADMyOrg"
    return {
        "id": sp.object_id,
        "deletedDateTime": None,
        "accountEnabled": True,
        "alternativeNames": ["isExplicit=True", sp.resource_id] if managed else [],
        "appDisplayName": app.display_name if app else sp.display_name,
        "appDescription": None,
        "appId": sp.app_id,
        "appOwnerOrganizationId": app.home_tenant if app else None,
        "appRoleAssignmentRequired": False,
        "description": None,
        "displayName": sp.display_name,
        "homepage": None,
        "notes": None,
        "preferredSingleSignOnMode": None,
        "replyUrls": [],
        "servicePrincipalNames": names,
        "servicePrincipalType": "ManagedIdentity" if managed else "Application",
        "signInAudience": audience,
        "tags": [],
        "appRoles": [],
        "keyCredentials": [],
        "oauth2PermissionScopes": [],
        "passwordCredentials": [],
    }


def application(directory: Directory, app: Application) -> dict[str, Any]:
    """An application (app registration) in its home tenant; secrets show only their hint."""
    tenant = directory.tenant(app.home_tenant)
    return {
        "id": application_object_id(app),
        "deletedDateTime": None,
        "appId": app.app_id,
        "displayName": app.display_name,
        "description": None,
        "identifierUris": [],
        "publisherDomain": tenant.default_domain if tenant else None,
        "signInAudience": "AzureADMultipleOrgs" if app.multi_tenant else "AzureADMyOrg",
        "tags": [],
        "passwordCredentials": [
            {
                "customKeyIdentifier": None,
                "displayName": s.display_name,
                "endDateTime": _iso(s.end),
                "hint": s.hint,
                "keyId": s.key_id,
                "secretText": None,
                "startDateTime": _iso(s.start),
            }
            for s in app.secrets
        ],
        "keyCredentials": [
            {
                "customKeyIdentifier": base64.b64encode(bytes.fromhex(c.thumbprint_sha1)).decode(),
                "displayName": None,
                "endDateTime": _iso(c.end),
                "key": None,
                "keyId": c.key_id,
                "startDateTime": _iso(c.start),
                "type": "AsymmetricX509Cert",
                "usage": "Verify",
            }
            for c in app.certificates
        ],
        "requiredResourceAccess": [],
        "api": {"requestedAccessTokenVersion": None, "oauth2PermissionScopes": []},
        "web": {"homePageUrl": None, "redirectUris": []},
    }


def user(u: User) -> dict[str, Any]:
    return {
        "id": u.object_id,
        "businessPhones": [],
        "displayName": u.display_name,
        "givenName": u.given_name,
        "jobTitle": None,
        "mail": u.mail,
        "mobilePhone": None,
        "officeLocation": None,
        "preferredLanguage": None,
        "surname": u.surname,
        "userPrincipalName": u.user_principal_name,
        "accountEnabled": u.account_enabled,
        "userType": u.user_type,
    }


def group(g: Group) -> dict[str, Any]:
    return {
        "id": g.object_id,
        "deletedDateTime": None,
        "classification": None,
        "description": g.description,
        "displayName": g.display_name,
        "groupTypes": [],
        "mail": None,
        "mailEnabled": g.mail_enabled,
        "mailNickname": g.mail_nickname,
        "securityEnabled": g.security_enabled,
        "visibility": None,
    }


def directory_object(directory: Directory, object_id: str) -> dict[str, Any] | None:
    """Any directory object by id, with its ``@odata.type`` (as getByIds and members answer)."""
    sp = directory.principal(object_id)
    if sp is not None:
        return {"@odata.type": "#microsoft.graph.servicePrincipal"} | service_principal(
            directory, sp
        )
    found_user = directory.users.get(object_id.lower())
    if found_user is not None:
        return {"@odata.type": "#microsoft.graph.user"} | visible(USER, user(found_user))
    found_group = directory.group(object_id)
    if found_group is not None:
        return {"@odata.type": "#microsoft.graph.group"} | group(found_group)
    return None


def visible(entity: Entity, full: dict[str, Any]) -> dict[str, Any]:
    """What Graph returns without ``$select``."""
    names = DEFAULT_PROPERTIES.get(entity.resource)
    return full if names is None else {k: full[k] for k in names if k in full}
