"""The REST API framework every app plugs into: /api/v1/, bearer tokens or the browser session,
level-of-assurance permissions, cursor pagination and RFC 9457 problem responses (docs/api.md)."""
