"""What drf-spectacular cannot infer: the bearer scheme and the problem responses of every operation."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details, in the language of the request (Accept-Language).",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string", "nullable": True},
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                },
                "required": ["field", "code", "message"],
            },
        },
    },
    "required": ["type", "title", "status", "detail", "instance"],
}

ERROR_STATUSES = {
    "400": "Invalid request (validation errors in `errors`)",
    "401": "Not authenticated",
    "403": "Forbidden (level of assurance too low, CSRF, not a resident)",
    "404": "Not found (including another resident's object)",
    "405": "Method not allowed",
    "406": "Not acceptable",
    "415": "Unsupported media type",
    "429": "Too many requests",
}


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "fascicolo.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A one-hour app token created from a level-2 login (POST /api/v1/tokens/).",
        }


def add_problem_responses(result, generator, request, public):
    """Postprocessing hook: every operation documents its problem responses."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    reference = {"$ref": "#/components/schemas/Problem"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_STATUSES.items():
                responses.setdefault(
                    status, {"description": description, "content": {"application/problem+json": {"schema": reference}}}
                )
    return result
