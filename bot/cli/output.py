"""What every command shares: printing for a person or as JSON, exit statuses, usage errors."""

from __future__ import annotations

import datetime as dt
import json
import sys

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """A problem the user can fix; printed as one line, exit status 2."""


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def err(text: str) -> None:
    sys.stderr.write(text + "\n")


def out_json(doc: object) -> None:
    out(json.dumps(doc, ensure_ascii=False, indent=2))


def parse_date_arg(value: str) -> dt.date:
    """``2024-01-08``, ``2024/1/8`` or ``2024年1月8日``."""
    cleaned = value.strip().replace("/", "-").replace("年", "-").replace("月", "-").rstrip("日")
    try:
        y, m, d = (int(p) for p in cleaned.split("-"))
        return dt.date(y, m, d)
    except ValueError:
        raise CliError(f"not a date: {value!r} (expected YYYY-MM-DD)") from None
