"""What the page tests share: a page read back with the standard library's HTML parser, which also
notes every tag left open or closed out of turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

# Elements that have no end tag in HTML.
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)


@dataclass
class Link:
    href: str
    text: str
    attrs: dict[str, str | None]


@dataclass
class Page:
    html_lang: str | None = None
    tags: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    visible: list[str] = field(default_factory=list)
    main: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Everything a reader sees, spaces collapsed."""
        return " ".join("".join(self.visible).split())

    @property
    def main_text(self) -> str:
        """The text of <main>, spaces collapsed."""
        return " ".join("".join(self.main).split())

    @property
    def main_raw(self) -> str:
        """The text of <main> as written, its spaces (a French thousands separator) kept."""
        return "".join(self.main)

    def tag_names(self) -> set[str]:
        return {name for name, _ in self.tags}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self._open: list[str] = []
        self._link: tuple[dict[str, str | None], list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.page.tags.append((tag, attributes))
        if tag == "html":
            self.page.html_lang = attributes.get("lang")
        if tag == "a":
            self._link = (attributes, [])
        if tag not in VOID:
            self._open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.page.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.page.problems.append(f"<{tag}/> is not a void element")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.page.problems.append(f"</{tag}> closes a void element")
            return
        if not self._open or self._open[-1] != tag:
            self.page.problems.append(f"</{tag}> while {self._open[-1:] or 'nothing'} is open")
            if tag in self._open:  # recover to keep reading
                while self._open.pop() != tag:
                    pass
            return
        self._open.pop()
        if tag == "a" and self._link is not None:
            attributes, chunks = self._link
            self.page.links.append(Link(attributes.get("href") or "", "".join(chunks), attributes))
            self._link = None

    def handle_data(self, data: str) -> None:
        if "style" in self._open:
            self.page.styles.append(data)
        elif "title" in self._open or "head" in self._open:
            return
        else:
            self.page.visible.append(data)
            if "main" in self._open:
                self.page.main.append(data)
        if self._link is not None:
            self._link[1].append(data)

    def close(self) -> None:
        super().close()
        if self._open:
            self.page.problems.append(f"left open: {self._open}")


def read_page(document: str) -> Page:
    """The page as a browser's parser sees it, with what is wrong in its structure."""
    reader = _Reader()
    reader.feed(document)
    reader.close()
    return reader.page
