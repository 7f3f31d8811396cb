"""Microsoft Graph's errors: the envelope and the codes and texts Graph answers with.

Graph's envelope is ``{"error": {"code", "message", "innerError": {"date", "request-id",
"client-request-id"}}}``, never ARM's. Codes and messages are Graph's where they are documented
or seen in public logs of real responses (docs/emulator/graph.md lists the evidence);
``NotImplemented`` (501) is the emulator's own, for what Graph does but the emulator does not.
"""

from __future__ import annotations

import functools

from goldfleet.emulator.arm.http import Response, json_response
from goldfleet.emulator.arm.routing import Ctx, Handler


class GraphError(Exception):
    """An error answered in Graph's envelope: ``{"error": {code, message, innerError}}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def answering_errors(handler: Handler) -> Handler:
    """Wrap a Graph handler so that a :class:`GraphError` becomes Graph's error answer."""

    @functools.wraps(handler)
    def serve(ctx: Ctx) -> Response:
        try:
            return handler(ctx)
        except GraphError as exc:
            client_request_id = ctx.request.header("client-request-id") or ctx.request_id
            body = {
                "error": {
                    "code": exc.code,
                    "message": exc.message,
                    "innerError": {
                        "date": ctx.world.now_dt().strftime("%Y-%m-%dT%H:%M:%S"),
                        "request-id": ctx.request_id,
                        "client-request-id": client_request_id,
                    },
                }
            }
            headers = {"request-id": ctx.request_id, "client-request-id": client_request_id}
            return json_response(body, exc.status, headers)

    return serve


def resource_not_found(identifier: str) -> GraphError:
    return GraphError(
        404,
        "Request_ResourceNotFound",
        f"Resource '{identifier}' does not exist or one of its queried reference-property "
        "objects are not present.",
    )


def invalid_object_identifier(identifier: str) -> GraphError:
    return GraphError(400, "Request_BadRequest", f"Invalid object identifier '{identifier}'.")


def unsupported_filter_property(prop: str, resource: str) -> GraphError:
    return GraphError(
        400,
        "Request_UnsupportedQuery",
        f"Unsupported or invalid query filter clause specified for property '{prop}' of "
        f"resource '{resource}'.",
    )


def unsupported_query(message: str) -> GraphError:
    return GraphError(400, "Request_UnsupportedQuery", message)


def invalid_filter(detail: str) -> GraphError:
    return GraphError(400, "BadRequest", f"Invalid filter clause: {detail}")


def unknown_property(prop: str, odata_type: str) -> GraphError:
    return GraphError(
        400,
        "BadRequest",
        f"Could not find a property named '{prop}' on type '{odata_type}'.",
    )


def not_implemented(method: str, path: str, what: str = "") -> GraphError:
    detail = f" ({what})" if what else ""
    return GraphError(
        501,
        "NotImplemented",
        f"The emulator does not implement {method} {path}{detail} of Microsoft Graph.",
    )
