"""How big one digest may be: ``digests.max_items`` and ``digests.max_parts`` (pure).

A file past either limit is refused (``check`` and ingest say why, naming the setting); it
never becomes an edition of a thousand messages per subscriber. The item count is checked by
the parser as soon as the items are counted, so a huge file fails fast; the parts by rendering
the edition as a reader gets it — only when a cheap estimate says it might be near the limit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bot.config import DigestLimits
from bot.digest import DigestError, Reading, bytes_reader, too_many_items
from bot.digest.learning import Profile
from bot.digest.models import Edition
from bot.digest.vault import Vault
from bot.render.edition import render_edition

PART_CHARS = 4000  # visible characters a message part holds, about
ITEM_OVERHEAD = 24  # numbering, labels and spacing an item adds, about
LINK_CHARS = 12  # a link's visible label, about


def check_limits(edition: Edition | Reading, limits: DigestLimits) -> None:
    """Raise DigestError when ``edition`` is larger than ``limits`` allow."""
    if len(edition.items) > limits.max_items:
        raise DigestError(edition.source, too_many_items(len(edition.items), limits.max_items))
    rough = sum(
        len(i.title) + len(i.text) + ITEM_OVERHEAD + LINK_CHARS * len(i.links)
        for i in edition.items
    )
    if 2 * (rough // PART_CHARS + 1) + 1 <= limits.max_parts:  # far below: no need to render
        return
    if isinstance(edition, Reading):
        edition = edition.edition(dt.date.min)  # the date does not change the length
    parts = len(render_edition(edition, lang="zh"))
    if parts > limits.max_parts:
        raise DigestError(
            edition.source,
            f"the edition would be {parts} messages per reader, more than digests.max_parts "
            f"({limits.max_parts}) allows: split the file, shorten its items, or raise "
            "digests.max_parts",
        )


def read_digest(
    data: bytes,
    *,
    source: str,
    limits: DigestLimits,
    default_series: str = "",
    profile: Profile | None = None,
    vault: Vault | None = None,
) -> Reading:
    """Read a digest (with its series' ``profile`` and its folder's ``vault``, when given)
    and check it against ``limits`` (DigestError on either)."""
    return digest_reader(data, source=source, limits=limits, default_series=default_series,
                         vault=vault)(profile)  # fmt: skip


def digest_reader(
    data: bytes,
    *,
    source: str,
    limits: DigestLimits,
    default_series: str = "",
    vault: Vault | None = None,
) -> Callable[[Profile | None], Reading]:
    """``read_digest`` with any profile, for the cost of one parse."""
    read = bytes_reader(data, source=source, default_series=default_series,
                        max_items=limits.max_items, vault=vault)  # fmt: skip

    def checked(profile: Profile | None) -> Reading:
        reading = read(profile)
        check_limits(reading, limits)
        return reading

    return checked
