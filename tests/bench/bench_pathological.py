"""The digest reader on pathological input: doubling it must at most about double the time.

Prints one JSON line. Each pattern (a line of unbalanced or piled-up markup in a list item,
or a block shape repeated) is read at N and at 2N repetitions (``bot.digest.read_bytes``,
best of five each), in a process of its own: a parser crash fails the pattern instead of
the bench. A pattern passes when ``t_2n / t_n <= 2.6`` (2 is linear, the rest is noise), or
when even the 2N input reads in under 50 ms; one that fails so is timed again, up to
ATTEMPTS times (a busy box makes a spike now and then, a quadratic cost fails every time).
``python bench_pathological.py NAME…`` runs only those patterns.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINE_BYTES = 64 * 1024  # the N-repetition line is about this long
RATIO_AT_MOST = 2.6
FAST_ENOUGH_S = 0.05
TIMEOUT_S = 300
TRIES = 5  # the best of them is the time
ATTEMPTS = 3  # timings of a pattern before its ratio fails it
HEAD = "# 2024-01-01\n\n[a]: https://r.example\n\n"

# a line of one unit repeated: "1. " + unit * n
LINE_UNITS = {
    "open_bracket": "[",
    "close_bracket": "]",
    "link_open": "[a](",
    "close_paren_open": "](",
    "html_open": "<a ",
    "star_a": "*a",
    "backticks": "`",
    "backtick_runs": "` `` ",
    "image_open": "![a](",
    "double_open": "[[",
    "double_close": "]]",
    "em_mix": "*a _b ",
    "highlight": "==a",
    "tildes": "~~",
    "tilde_a": "~~a",
    "dollars": "$",
    "dollar_math": "$$a",
    "http_run": "http://",
    "bare_urls": "http://a.example/x ",
    "www": "www.a.example ",
    "angle_autolink_open": "<http://",
    "angle_destination": "[x](<",
    "unclosed_title": '[a](b "',
    "entities": "&amp;",
    "entity_open": "&#",
    "backslashes": "\\",
    "less_than": "<",
    "comment_open": "<!--",
    "bold_runs": "**a** ",
    "em_runs": "*a* ",
    "underscore_runs": "_a_ ",
    "strike_runs": "~~a~~ ",
    "code_runs": "`a` ",
    "links": "[a](https://x.example) ",
    "label_links": "[原文](https://x.example) ",
    "empty_links": "[](https://x.example)",
    "linked_images": "[![a](b)](c)",
    "cjk_bold": "**中文**中",
    "bracket_backtick": "[`",
    "backtick_bracket": "`[",
    "angle_star": "<*",
    "shortcut_refs": "[a]",
    "full_refs": "[a][a]",
    "star_space": "* ",
    "numbers": "1. ",
    "quote_marks": "> ",
}


def _line(unit: str) -> Callable[[int], str]:
    return lambda n: HEAD + "1. " + unit * n + "\n"


# whole documents: n → text
DOCUMENTS: dict[str, Callable[[int], str]] = {
    **{name: _line(unit) for name, unit in LINE_UNITS.items()},
    "nested_brackets": lambda n: HEAD + "1. " + "[" * n + "]" * n + "\n",
    "nested_spaced_brackets": lambda n: HEAD + "1. " + "[ " * n + "] " * n + "\n",
    "nested_emphasis": lambda n: HEAD + "1. " + "*a " * n + "b* " * n + "\n",
    "nested_strong": lambda n: HEAD + "1. " + "**a " * n + "b** " * n + "\n",
    "nested_images": lambda n: HEAD + "1. " + "![" * n + "a" + "](u)" * n + "\n",
    "nested_link_texts": lambda n: HEAD + "1. " + "[a" * n + "](https://x.example)" * n + "\n",
    "nested_refs": lambda n: HEAD + "1. " + "[a][" * n + "]" * (2 * n) + "\n",
    "nested_parens": lambda n: HEAD + "1. " + "[a](" * n + ")" * n + "\n",
    "spaces": lambda n: HEAD + "1. x" + " " * n + "y\n",
    "code_url_parens": lambda n: HEAD + "1. `http://a.example/" + ")" * n + "`\n",
    "url_parens": lambda n: HEAD + "1. http://a.example/" + ".)" * n + "\n",
    "quotes_on_a_line": lambda n: HEAD + "> " * n + "a\n",
    "tight_quotes": lambda n: HEAD + ">" * n + "a\n",
    "lists_on_a_line": lambda n: HEAD + "1. " * n + "a\n",
    "bullets_on_a_line": lambda n: HEAD + "- " * n + "a\n",
    "bold_paragraph": lambda n: HEAD + "**a** b\n" * n,
    "emphasis_paragraph": lambda n: HEAD + "*a*\n" * n,
    "nested_bracket_lines": lambda n: HEAD + "[\n" * n + "]\n" * n,
    "nested_emphasis_lines": lambda n: HEAD + "*a\n" * n + "b*\n" * n,
    "definitions": lambda n: (
        HEAD + "".join(f"[r{k}]: https://x.example/{k}\n" for k in range(n)) + "[r1] " * n + "\n"
    ),
    "lazy_quote": lambda n: HEAD + "> a\n" + "b\n" * n,
    "list_of_links": lambda n: HEAD + "- [a](https://x.example) b\n" * n,
    "staircase_lists": lambda n: (
        HEAD + "".join("  " * (k % 64) + "- [a](https://x.example)\n" for k in range(n))
    ),
    "numbered_items": lambda n: HEAD + "1. a https://x.example\n" * n,
    "linked_headings": lambda n: HEAD + "### [a](https://x.example)\nb\n" * n,
    "module_entries": lambda n: HEAD + "## m\n\n### e\n\nb\n\n" * n,  # a section each, prose
    "field_runs": lambda n: (
        HEAD + "### t\n\n" + "**T**：[x](https://x.example)\n\n**S**：v\n\n" * n
    ),
    "story_sections": lambda n: HEAD + "## s\n\n### [a](https://x.example)\n\nb\n\n" * n,
    "table_rows": lambda n: HEAD + "| a | b |\n|---|---|\n" + "| [x](https://x.e) | **y** |\n" * n,
    "table_columns": lambda n: (
        HEAD
        + "|"
        + " a |" * n
        + "\n|"
        + "---|" * n
        + "\n|"
        + " [b](https://x.example) |" * n
        + "\n"
    ),
    "html_paragraphs": lambda n: (
        HEAD + "<div>\n" + '<p>a <a href="https://x.example">b</a></p>\n' * n + "</div>\n"
    ),
    "html_table": lambda n: (
        HEAD + "<table>" + '<tr><td><a href="https://x.example">a</a></td></tr>' * n + "</table>\n"
    ),
    "html_nesting": lambda n: HEAD + "<div>" * n + "a" + "</div>" * n + "\n",
    "open_fences": lambda n: HEAD + "```\n" * n,
    "backtick_lines": lambda n: HEAD + "`\n" * n,
    "open_comments": lambda n: HEAD + "<!--\n" * n,
}


def repetitions(name: str) -> int:
    """N: the repetitions that make the pattern about LINE_BYTES long."""
    one = len(DOCUMENTS[name](1).encode()) - len(HEAD)
    more = len(DOCUMENTS[name](101).encode()) - len(HEAD)
    return max(1, LINE_BYTES * 100 // max(1, more - one))


def time_one(name: str) -> dict[str, object]:
    """Read the pattern at N and 2N (best of five); in the process it runs in."""
    sys.path.insert(0, str(ROOT))
    from bot.digest import read_bytes

    n = repetitions(name)
    times = []
    for count in (n, 2 * n):
        data = DOCUMENTS[name](count).encode("utf-8")
        best = float("inf")
        for _ in range(TRIES):
            gc.collect()  # the garbage of the try before is not this one's
            start = time.perf_counter()
            read_bytes(data, source="bench/2024-01-01.md")
            best = min(best, time.perf_counter() - start)
        times.append(best)
    ratio = times[1] / times[0] if times[0] > 0 else 1.0
    return {
        "n": n,
        "t_n": round(times[0], 4),
        "t_2n": round(times[1], 4),
        "ratio": round(ratio, 2),
        "pass": ratio <= RATIO_AT_MOST or times[1] <= FAST_ENOUGH_S,
    }


def run(name: str) -> dict[str, object]:
    """The pattern timed in a process of its own, again when only its ratio fails it."""
    attempts = 0
    while True:
        result = run_once(name)
        attempts += 1
        if result["pass"] or "ratio" not in result or attempts == ATTEMPTS:
            result["attempts"] = attempts
            return result


def run_once(name: str) -> dict[str, object]:
    """The pattern timed in a process of its own: a crash or a hang fails it."""
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--one", name],
            capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"pass": False, "error": f"over {TIMEOUT_S} s"}
    if done.returncode != 0:
        return {"pass": False, "error": f"exit {done.returncode}: {done.stderr.strip()[-200:]}"}
    result: dict[str, object] = json.loads(done.stdout)
    if done.stderr.strip():
        result["pass"] = False
        result["stderr"] = done.stderr.strip()[-200:]
    return result


def main(argv: list[str]) -> None:
    if argv[:1] == ["--one"]:
        print(json.dumps(time_one(argv[1])))
        return
    names = argv or list(DOCUMENTS)
    patterns = {name: run(name) for name in names}
    failed = [name for name, result in patterns.items() if not result["pass"]]
    print(
        json.dumps(
            {
                "bench": "pathological_lines",
                "line_bytes": LINE_BYTES,
                "patterns": patterns,
                "failed": failed,
                "targets": {"ratio": RATIO_AT_MOST, "or_t_2n_s": FAST_ENOUGH_S},
                "pass": not failed,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
