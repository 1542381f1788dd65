"""Parsers of what the device's web server returns (fmpyiot.md §8), without I/O.

- `/api/hello`: `FmPyIOT/<name>` (before November 2023 just `FmPyIOT`).
- `/api/status`: `{"<declared topic>": {"payload": <value>, "id": "<html id>"}, ...}`.
- `/api/topics`: HTML fragments, read with the standard library's HTML parser: a readable topic is
  `<span class="topic">./temperature</span>` (its value span has the topic's id), an action an
  `<input type="submit" name="action_<id>">`. Actions carry only the id (`T` + the declared name with
  non-word characters as `_`), which is mapped back to a topic through the names known otherwise.
- action replies: the device sends `HTTP/1.1 200 OK` before it runs the action, so the real status
  (`HTTP/1.1 200 ok`, `HTTP/1.1 400 Erreur ...`) is a second status line inside the body.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
import re
from typing import Any, Final, override

from .payloads import parse_text
from .topics import RELATIVE_PREFIX, valid_topic_key, web_topic_id

HELLO_PREFIX: Final = "FmPyIOT"
MAX_TOPICS: Final = 1024
MAX_HELLO_LENGTH: Final = 256
ACTION_PREFIX: Final = "action_"
_EMBEDDED_STATUS = re.compile(r"HTTP/1\.[01] (\d{3})(?: ([^\r\n]*))?")


class WebPageError(ValueError):
    """A page does not have the expected content; `key` is stable (`not_fmpyiot`, `bad_json`, `bad_html`)."""

    def __init__(self, key: str, detail: str) -> None:
        """Keep the stable key."""
        super().__init__(f"{key}: {detail}")
        self.key = key


def parse_hello(text: str) -> str:
    """The device name in a `/api/hello` answer (empty for old firmware); `WebPageError` otherwise."""
    body = text.strip()
    if body == HELLO_PREFIX:
        return ""
    prefix, separator, name = body.partition("/")
    if prefix != HELLO_PREFIX or not separator or len(body) > MAX_HELLO_LENGTH or not body.isprintable():
        raise WebPageError("not_fmpyiot", f"answer {body[:40]!r}")
    return name


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """One topic of `/api/status`."""

    payload: Any
    html_id: str


def parse_status(text: str) -> dict[str, StatusEntry]:
    """Declared topic → entry; entries of the wrong shape are left out, a non-object is `WebPageError`."""
    document = parse_text(text)
    if not isinstance(document, dict):
        raise WebPageError("bad_json", "expected a JSON object")
    entries: dict[str, StatusEntry] = {}
    for declared, entry in document.items():
        if len(entries) >= MAX_TOPICS:
            break
        if not isinstance(entry, dict) or "payload" not in entry or not valid_topic_key(declared):
            continue
        html_id = entry.get("id")
        entries[declared] = StatusEntry(
            entry["payload"], html_id if isinstance(html_id, str) else web_topic_id(declared)
        )
    return entries


@dataclass(frozen=True, slots=True)
class WebTopics:
    """The topics of `/api/topics`: declared names of readable topics, ids of action topics."""

    readers: tuple[str, ...]
    action_ids: tuple[str, ...]

    def actions(self, known: Iterable[str]) -> tuple[dict[str, str], tuple[str, ...]]:
        """Action id → declared topic, resolved with `known` declared names; and the ids left unresolved.

        An id `T__<name>` nobody else names is taken as `./<name>` (the usual `./` topic).
        """
        by_id: dict[str, str] = {}
        for declared in (*self.readers, *known):
            by_id.setdefault(web_topic_id(declared), declared)
        resolved: dict[str, str] = {}
        unresolved: list[str] = []
        for html_id in self.action_ids:
            if html_id in by_id:
                resolved[html_id] = by_id[html_id]
            elif html_id.startswith("T__") and re.fullmatch(r"\w+", html_id[3:], re.ASCII):
                resolved[html_id] = RELATIVE_PREFIX + html_id[3:]
            else:
                unresolved.append(html_id)
        return resolved, tuple(unresolved)


class _TopicsParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.readers: list[str] = []
        self.action_ids: list[str] = []
        self.markup = 0
        self._in_topic = False
        self._text: list[str] = []

    @override
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.markup += 1
        if tag == "span" and "topic" in (values.get("class") or "").split():
            self._in_topic, self._text = True, []
        elif (
            tag == "input"
            and (name := values.get("name") or "").startswith(ACTION_PREFIX)
            and len(self.action_ids) < MAX_TOPICS
            and name[len(ACTION_PREFIX) :] not in self.action_ids
        ):
            self.action_ids.append(name[len(ACTION_PREFIX) :])

    @override
    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._in_topic:
            self._in_topic = False
            name = "".join(self._text).strip()
            if valid_topic_key(name) and name not in self.readers and len(self.readers) < MAX_TOPICS:
                self.readers.append(name)

    @override
    def handle_data(self, data: str) -> None:
        if self._in_topic:
            self._text.append(data)


def parse_topics(html: str) -> WebTopics:
    """The topics in a `/api/topics` page; `WebPageError("bad_html")` for text that is not that page."""
    parser = _TopicsParser()
    parser.feed(html)  # the standard parser never raises: it reads any text as best it can
    parser.close()
    if html.strip() and not parser.readers and not parser.action_ids:
        raise WebPageError("bad_html", "no topic in the page")
    return WebTopics(tuple(parser.readers), tuple(parser.action_ids))


@dataclass(frozen=True, slots=True)
class EmbeddedStatus:
    """The status line an action writes into the body."""

    code: int
    reason: str


def parse_embedded_status(body: str) -> EmbeddedStatus | None:
    """The last status line inside a body, or None when there is none (the action failed silently)."""
    matches = _EMBEDDED_STATUS.findall(body)
    if not matches:
        return None
    code, reason = matches[-1]
    return EmbeddedStatus(int(code), reason.strip()[:200])
