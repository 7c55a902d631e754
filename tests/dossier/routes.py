"""Every route of the portal, read from Django's URL resolver, so new routes are covered by the
privacy tests without anyone remembering to list them."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or "" for unnamed patterns
    pattern: str  # the route as written, e.g. "area-personale/messaggi/<int:pk>/"
    converters: dict  # parameter -> converter name

    @property
    def has_params(self):
        return bool(self.converters)

    def path(self, **values):
        """The concrete path with ``values`` filled in (a dummy value for the rest)."""
        path = self.pattern

        def fill(match):
            converter, name = match.group(1) or "str", match.group(2)
            if name in values:
                return str(values[name])
            return {"int": "1", "uuid": "00000000-0000-0000-0000-000000000001"}.get(converter, "x")

        path = re.sub(r"<(?:(\w+):)?(\w+)>", fill, path)
        # regex routes (admin, i18n): drop anchors and fill groups with a dummy value
        path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path).replace("^", "").replace("$", "").replace("\\", "")
        return "/" + path


def all_routes(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    routes = []
    for entry in resolver.url_patterns:
        text = str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            child_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            routes.extend(all_routes(entry, prefix + text, child_ns))
        elif isinstance(entry, URLPattern):
            full = prefix + text
            converters = {name: conv or "str" for conv, name in re.findall(r"<(?:(\w+):)?(\w+)>", full)}
            converters.update({name: "regex" for name in re.findall(r"\(\?P<(\w+)>", full)})
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            routes.append(Route(name=name, pattern=full, converters=converters))
    return routes
