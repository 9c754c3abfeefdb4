"""Telegram's check of a link's address (an ``<a href>`` of the HTML parse mode), emulated
after tdlib: ``get_checked_link`` and ``get_link_user_id`` (LinkManager.cpp), ``parse_url``
(HttpUrl.cpp). A refused address is dropped silently. Standard library only.
"""

from __future__ import annotations

import ipaddress
import re

MAX_USER_ID = (1 << 40) - 1  # tdlib UserId::is_valid

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_URL_PART = r"(?:[A-Za-z0-9._!$,~*'();&+=\-{}]|%[0-9A-Fa-f]{{2}}|[^\x00-\x7f])*"
_HOST, _USERINFO = re.compile(_URL_PART.format("")), re.compile(_URL_PART.format(":"))
_SCHEME, _AUTHORITY = re.compile(r"[^:/?#@\[\]]*"), re.compile(r"[^/?#]*")
_PORT = re.compile(r"(.+):([^:\]@]*)", re.DOTALL)
_SPECIAL_SCHEME = re.compile(r"(tg|ton|tonsite):(?://)?", re.ASCII | re.IGNORECASE)


def _lower(s: str) -> str:
    return s.translate(_ASCII_LOWER)


def canonical_int(s: str) -> int | None:
    """td::to_integer_safe: a decimal integer printed exactly as given, else None."""
    if re.fullmatch(r"-?[0-9]+", s) and str(int(s)) == s and -(2**63) <= int(s) < 2**63:
        return int(s)
    return None


def _parse_url(url: str) -> tuple[str, str, str, bool, int, str] | None:
    """tdlib's parse_url: (protocol, userinfo, host, is_ipv6, port as written, query)."""
    scheme_end = _SCHEME.match(url).end()  # type: ignore[union-attr]
    protocol, start = "http", 0
    if url.startswith("://", scheme_end):
        protocol, start = _lower(url[:scheme_end]), scheme_end + 3
        if protocol not in ("http", "https"):
            return None
    end = _AUTHORITY.match(url, start).end()  # type: ignore[union-attr]
    port, userinfo_host = 0, url[start:end]
    if port_match := _PORT.fullmatch(userinfo_host):  # the last ':' after any ']' or '@'
        userinfo_host, digits = port_match[1], port_match[2].lstrip("0")
        port = int(digits) if re.fullmatch(r"[0-9]{1,5}", digits) else 0
        if not 0 < port <= 65535:
            return None
    userinfo, _, host = userinfo_host.rpartition("@")
    is_ipv6 = host[:1] == "[" and host[-1:] == "]"
    if is_ipv6:
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return None
    if host in ("", "."):
        return None
    query = url[end:].rstrip(" \t\r\n\0\v") or "/"
    query = ("" if query[0] == "/" else "/") + "".join(
        f"%{ord(c):02X}" if ord(c) <= 0x20 else c for c in query
    )
    host = _lower(host)
    if is_ipv6:
        if any(c not in ":0123456789abcdef." for c in host[1:-1]):
            return None
    elif not _HOST.fullmatch(host) or not _USERINFO.fullmatch(userinfo):
        return None
    return protocol, userinfo, host, is_ipv6, port, query


def checked_link(url: str) -> str | None:
    """The URL Telegram keeps for an href (tdlib get_checked_link), or None when it drops it."""
    special = _SPECIAL_SCHEME.match(url)
    kind, url = (_lower(special[1]), url[special.end() :]) if special else ("", url)
    parsed = _parse_url(url)
    if parsed is None:
        return None
    protocol, userinfo, host, is_ipv6, port, query = parsed
    if kind:
        if _lower(url[:7]) == "http://" or protocol == "https" or userinfo or port or is_ipv6:
            return None
        if query[1:2] == "?":
            query = query[1:]
        if not re.fullmatch(r"[a-z0-9_.-]*" if kind == "tonsite" else r"[a-z0-9_-]*", host):
            return None
        return f"{kind}://{host}{query}"
    if "." not in host and not is_ipv6:
        return None
    credentials = f"{userinfo}@" if userinfo else ""
    return f"{protocol}://{credentials}{host}{f':{port}' if port else ''}{query}"


def link_user_id(url: str) -> int | None:
    """tdlib LinkManager::get_link_user_id: the user of a tg://user?id= link, if valid."""
    match = re.match(r"tg:(?://)?user/?\?([^#]*)", _lower(url))
    for parameter in match.group(1).split("&") if match else ():
        key, _, value = parameter.partition("=")
        if key == "id":
            user_id = canonical_int(value)
            return user_id if user_id is not None and 0 < user_id <= MAX_USER_ID else None
    return None


# --- after parsing: fix_formatted_text (MessageEntity.cpp, misc.cpp) ------------------------
