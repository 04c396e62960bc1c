"""Flags that follow an enterprise on every page (a banner next to its name): a platform hook, the platform
never names who flags.

    from app.org import flags
    flags.register_enterprise_flags(fn)   # fn(enterprise_ids) -> {enterprise_id: ["label", …]}

`enterprise_flags(ids)` asks every registered provider once per request for the ids not asked yet (cached on
`flask.g`), so a list page that shows the macro next to fifty names costs one query per provider, when it
calls `preload(ids)` first, and one per name otherwise. Templates: the Jinja global `enterprise_flags(id)`
(labels of one enterprise) and the macros of `org/_flags.html` (`flag_badges(id)`, `flag_banner(id)`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from flask import g, has_request_context, request

FlagProvider = Callable[[list[int]], Mapping[int, list[str]]]

_providers: dict[str, FlagProvider] = {}


def register_enterprise_flags(fn: FlagProvider, *, name: str | None = None) -> FlagProvider:
    """Register (or re-register under the same name) a provider: fn(enterprise_ids) -> {id: [label]}."""
    _providers[name or f"{fn.__module__}.{fn.__qualname__}"] = fn
    return fn


def _cache() -> dict[int, list[str]]:
    """This request's answers (kept on `g` with the request they belong to: an app context can outlive a
    request, as in tests, and a later request must ask again)."""
    if not has_request_context():
        return {}
    owner = request._get_current_object()  # type: ignore[attr-defined]
    held = g.get("_enterprise_flags")
    if held is None or held[0] is not owner:
        held = g._enterprise_flags = (owner, {})
    return held[1]


def _ask(ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {i: [] for i in ids}
    for fn in _providers.values():
        for eid, labels in (fn(ids) or {}).items():
            if eid in found:
                found[eid].extend(label for label in labels if label not in found[eid])
    return found


def enterprise_flags_for(enterprise_ids: Iterable[int | None]) -> dict[int, list[str]]:
    """{id: [label, …]} for each id given (an empty list when no provider flags it)."""
    ids = list(dict.fromkeys(int(i) for i in enterprise_ids if i is not None))
    cache = _cache()
    missing = [i for i in ids if i not in cache]
    if missing:
        cache.update(_ask(missing))
    return {i: list(cache.get(i, [])) for i in ids}


def preload(enterprise_ids: Iterable[int | None]) -> None:
    """Ask once for a page's enterprises before its rows render the macro one by one."""
    enterprise_flags_for(enterprise_ids)


def labels(enterprise_id: int | None) -> list[str]:
    """The flags of one enterprise (the Jinja global `enterprise_flags`)."""
    if enterprise_id is None:
        return []
    try:
        eid = int(enterprise_id)
    except (TypeError, ValueError):
        return []
    return enterprise_flags_for([eid])[eid]


__all__ = ["enterprise_flags_for", "labels", "preload", "register_enterprise_flags"]
