"""Configuration: defaults with no file, environment overrides, errors that say where."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.config import DEFAULT_TOPICS, ConfigError, load_config, values
from bot.config.keys import ARRAYS, BY_PATH, KEYS, Key
from bot.digest import parse_file

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_gives_working_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no config file and no environment the bot gets usable defaults."""
    monkeypatch.chdir(tmp_path)
    config = load_config(env={})
    assert config.file is None
    assert config.telegram.token == ""
    assert config.push.time == dt.time(8, 0)
    assert config.push.timezone == "Asia/Shanghai"
    assert config.push.max_age == dt.timedelta(days=2)
    assert config.digests_dir == Path("digests")
    assert config.db_path == Path("data/digestbot.sqlite3")
    assert config.topics == DEFAULT_TOPICS


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    """DIGESTBOT_TOKEN beats TELEGRAM_BOT_TOKEN beats the file; data and API URL come from env."""
    path = write(tmp_path, '[telegram]\ntoken = "1:file"\n')
    env = {
        "TELEGRAM_BOT_TOKEN": "2:tg",
        "DIGESTBOT_TOKEN": "3:digest",
        "DIGESTBOT_DATA": str(tmp_path / "d"),
        "DIGESTBOT_API_BASE_URL": "http://127.0.0.1:8081/bot/",
    }
    config = load_config(path, env=env)
    assert config.telegram.token == "3:digest"
    assert config.telegram.api_base_url == "http://127.0.0.1:8081/bot"
    assert config.db_path == tmp_path / "d" / "digestbot.sqlite3"
    assert load_config(path, env={"TELEGRAM_BOT_TOKEN": "2:tg"}).telegram.token == "2:tg"
    assert load_config(path, env={}).telegram.token == "1:file"


def test_config_path_from_environment(tmp_path: Path) -> None:
    """DIGESTBOT_CONFIG names the file to read."""
    path = write(tmp_path, '[push]\ntime = "07:30"\n')
    config = load_config(env={"DIGESTBOT_CONFIG": str(path)})
    assert config.push.time == dt.time(7, 30)
    assert config.file == path


def test_token_never_in_repr(tmp_path: Path) -> None:
    """Printing the config (or logging it) does not reveal the token or webhook secret."""
    path = write(tmp_path, '[webhook]\nsecret_token = "s3cr3t-value"\n')
    config = load_config(path, env={"DIGESTBOT_TOKEN": "123456:SECRET-TOKEN"})
    assert "SECRET-TOKEN" not in repr(config)
    assert "s3cr3t-value" not in repr(config)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[push]\ntime = "25:00"\n', 'config.toml: push.time: expected HH:MM, got "25:00"'),
        ('[push]\ntimezone = "Mars/Olympus"\n', "push.timezone: expected an IANA time zone"),
        ("[push]\nrate = 0\n", "push.rate: expected messages per second > 0, got 0"),
        ('[push]\nmax_age = "soon"\n', 'push.max_age: expected a duration like "2d"'),
        ('[push]\ntme = "07:00"\n', "push.tme: unknown key"),
        ("[pushh]\n", "pushh: unknown section"),
        ('[telegram]\nadmins = ["me"]\n', "telegram.admins: expected a list of numeric user ids"),
        ("[webhook]\nport = 70000\n", "webhook.port: expected a port number, got 70000"),
        ('[webhook]\nsecret_token = "has space"\n', "webhook.secret_token: expected 1-256"),
        ('[log]\nformat = "xml"\n', 'log.format: expected "text" or "json", got "xml"'),
        ('[[topics]]\nkey = "Bad Key"\nkeywords = ["x"]\n', "topics[0].key: expected a short"),
        ('[[topics]]\nkey = "a"\nkeywords = []\n', "topics[0].keywords: expected a non-empty"),
        ('[[sources]]\nurl = "ftp://x"\n', "sources[0].url: expected an http(s) URL"),
        ("[push\n", "config.toml: not valid TOML"),
        ('[[series]]\nitems = "numbered"\n', "series[0].match: expected the series' name"),
        ('[[series]]\nmatch = "x"\nitems = "tables"\n', 'series[0].items: expected "head'),
        ('[[series]]\nmatch = "x"\nitems = "headings:9"\n', "series[0].items: expected"),
        ('[[series]]\nmatch = "x"\nskip = ["a"]\n', "series[0].skip: unknown key"),
    ],
)
def test_bad_values_name_file_key_and_expectation(tmp_path: Path, toml: str, message: str) -> None:
    """A bad value stops start-up with a message naming the file, the key and what was wanted."""
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, toml), env={})
    assert message in str(info.value)


def test_series_rules_are_read(tmp_path: Path) -> None:
    """``[[series]]`` names a series' layout and the sections that hold no stories."""
    path = write(
        tmp_path,
        '[[series]]\nmatch = "iOS摸鱼周报"\nitems = "headings:3"\n'
        'skip_sections = ["岗位推荐"]\n\n[[series]]\nmatch = "weekly"\n',
    )
    first, second = load_config(path, env={}).series
    assert (first.match, first.items, first.skip_sections) == ("iOS摸鱼周报", "headings:3",
                                                                ("岗位推荐",))  # fmt: skip
    assert (second.match, second.items, second.skip_sections) == ("weekly", "", ())


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    """Asking for a config file that does not exist is an error, not silent defaults."""
    with pytest.raises(ConfigError, match="file not found"):
        load_config(env={"DIGESTBOT_CONFIG": str(tmp_path / "nope.toml")})


def test_example_config_loads_and_matches_defaults() -> None:
    """config.example.toml is valid and ships exactly the built-in topic taxonomy and defaults."""
    config = load_config(ROOT / "config.example.toml", env={})
    assert config.topics == DEFAULT_TOPICS
    assert config.push.time == dt.time(8, 0)
    assert config.push.timezone == "Asia/Shanghai"
    assert config.http.port == 9180
    assert {t.key for t in config.topics} >= {"carbon-market", "storage", "policy"}


def test_every_seed_item_lands_in_a_topic() -> None:
    """The shipped taxonomy files each item of the sample edition under at least one topic."""
    edition = parse_file(ROOT / "digests" / "2024-01-08.md")
    for item in edition.items:
        text = f"{item.title} {item.text}".casefold()
        assert any(k.casefold() in text for t in DEFAULT_TOPICS for k in t.keywords), item


def test_durations_and_times_in_their_forms(tmp_path: Path) -> None:
    """max_age accepts days, hours and minutes; push.time accepts H:MM."""
    config = load_config(write(tmp_path, '[push]\nmax_age = "1d12h"\ntime = "7:05"\n'), env={})
    assert config.push.max_age == dt.timedelta(days=1, hours=12)
    assert config.push.time == dt.time(7, 5)


_SECTION = re.compile(r"#?\s*\[\[?([a-z_]+)\]\]?\s*$")
_KEY = re.compile(r"#?\s*([a-z_]+)\s*=")


def example_problems(text: str, keys: tuple[Key, ...]) -> list[str]:
    """What config.example.toml gets wrong against the KEYS table: a key it does not name
    (set or commented out), a key the table lacks, a value that is not the default."""
    named: set[str] = set()
    section = ""
    for line in text.splitlines():
        if found := _SECTION.fullmatch(line):
            section = found[1]
        elif (found := _KEY.match(line)) and section:
            named.add(f"{section}[].{found[1]}" if section in ARRAYS else f"{section}.{found[1]}")
    paths = {k.path for k in keys}
    problems = [f"{p}: not in config.example.toml" for p in sorted(paths - named)]
    problems += [f"{p}: not a key of the table" for p in sorted(named - paths)]
    doc = tomllib.loads(text)
    for k in keys:
        table = doc.get(k.section, {})
        given = table.get(k.name) if isinstance(table, dict) else None
        if given is not None and k.default is not None and k.parse(given) != k.default:
            problems.append(f"{k.path}: {given!r} is not the default {k.default!r}")
    return problems


def test_example_config_names_every_key_of_the_table_with_its_default() -> None:
    """config.example.toml names every key of the KEYS table, no other, with its default."""
    assert example_problems((ROOT / "config.example.toml").read_text("utf-8"), KEYS) == []


def test_the_example_check_follows_the_table() -> None:
    """A key added to the table, or a default changed there, is reported in the example."""
    text = (ROOT / "config.example.toml").read_text("utf-8")
    new = Key("push.quiet", values.flag, "true or false", False, "a new key")
    later = replace(BY_PATH["push.time"], default=dt.time(9, 0))
    table = (*(later if k.path == "push.time" else k for k in KEYS), new)
    assert example_problems(text, table) == [
        "push.quiet: not in config.example.toml",
        "push.time: '08:00' is not the default datetime.time(9, 0)",
    ]


REQUIRED = {"topics": {"key": '"a"', "keywords": '["x"]'}, "series": {"match": '"a"'}}


def _bad(k: Key) -> str:
    """A file giving ``k`` a value no parser takes (the other required keys set)."""
    if k.section not in ARRAYS:
        return f"[{k.section}]\n{k.name} = {{x = 1}}\n"
    others = {**REQUIRED.get(k.section, {}), k.name: "{x = 1}"}
    return f"[[{k.section}]]\n" + "".join(f"{n} = {v}\n" for n, v in others.items())


@pytest.mark.parametrize("key", KEYS, ids=lambda k: k.path)
def test_every_key_is_checked_as_the_table_says(tmp_path: Path, key: Key) -> None:
    """A value of the wrong kind for any key of the table is the one line the table words."""
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, _bad(key)), env={})
    prefix = key.path.replace("[]", "[0]")
    assert str(info.value) == f'config.toml: {prefix}: expected {key.expected}, got {{"x": 1}}'


def test_check_config_shows_every_key_of_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """check-config lists every key of the table with its value, marks what the file set, and
    names the file (or says there is none)."""
    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.startswith(("DIGESTBOT_", "TELEGRAM_"))]:
        monkeypatch.delenv(name)
    assert main(["check-config"]) == 1  # no digests folder here
    out = capsys.readouterr().out
    assert out.startswith("file                     none: every key has its default\n")
    write(tmp_path, '[push]\ntime = "07:15"\nmax_age = "36h"\n')
    (tmp_path / "digests").mkdir()
    assert main(["check-config"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "file                     config.toml"
    for k in KEYS:
        if "[]" not in k.path:
            assert any(line.startswith(f"{k.path} ") for line in lines), k.path
    assert "push.time                07:15  (set)" in lines
    assert "push.max_age             36h  (set)" in lines
    assert "push.timezone            Asia/Shanghai" in lines
    assert "telegram.token           not set" in lines
    assert main(["check-config", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["keys"]
    assert set(shown) == {k.path for k in KEYS if "[]" not in k.path}
    about = BY_PATH["push.time"].about
    assert shown["push.time"] == {"value": "07:15", "default": False, "about": about}
