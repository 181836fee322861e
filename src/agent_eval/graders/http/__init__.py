"""HTTP facts read from parsed TypeScript/JavaScript: routes, handlers and the responses they build."""

from agent_eval.graders.http.responses import (
    ResponseSite,
    SiteContext,
    body_keys,
    guard_context,
    is_error_site,
    response_sites,
)
from agent_eval.graders.http.routes import (
    HTTP_METHODS,
    Handler,
    HandlerKind,
    Route,
    handlers,
    next_route_path,
    routes,
)
from agent_eval.graders.http.syntax import (
    FUNCTION_TYPES,
    call_arguments,
    callee_parts,
    contains,
    enclosing,
    function_named,
    parameter_names,
    string_value,
)

__all__ = [
    "FUNCTION_TYPES",
    "HTTP_METHODS",
    "Handler",
    "HandlerKind",
    "ResponseSite",
    "Route",
    "SiteContext",
    "body_keys",
    "call_arguments",
    "callee_parts",
    "contains",
    "enclosing",
    "function_named",
    "guard_context",
    "handlers",
    "is_error_site",
    "next_route_path",
    "parameter_names",
    "response_sites",
    "routes",
    "string_value",
]
