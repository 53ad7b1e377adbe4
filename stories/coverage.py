"""How broad a story's reporting is: its sources, their publishers and dates.

Built from a story's citations as it cites them (Story.coverage()), so a page that has
prefetched them pays no query; the feeds and the API read the same object.
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError

from stories.canonical import domain_of


@dataclass(frozen=True)
class PublisherCoverage:
    """One publisher's articles among a story's sources, in the story's order."""

    name: str
    citations: list = field(default_factory=list)


@dataclass(frozen=True)
class Coverage:
    """A story's sources: how many, from how many publishers, over which dates."""

    sources: int
    publishers: int
    first_date: date | None
    last_date: date | None
    by_publisher: list[PublisherCoverage]

    def __bool__(self):
        return self.sources > 0

    @property
    def single_day(self):
        return self.first_date is not None and self.first_date == self.last_date

    def summary(self):
        """In words: "5 sources from 3 publishers, 1–3 July 2025"."""
        text = (
            f"{self.sources} source{'s' if self.sources != 1 else ''} from "
            f"{self.publishers} publisher{'s' if self.publishers != 1 else ''}"
        )
        if self.first_date is None:
            return text
        if self.single_day:
            return f"{text}, {format_day(self.first_date)}"
        return f"{text}, {format_day(self.first_date)} to {format_day(self.last_date)}"

    def as_data(self):
        """Plain data for feeds and the API (dates as ISO 8601)."""
        return {
            "sources": self.sources,
            "publishers": self.publishers,
            "first_date": self.first_date.isoformat() if self.first_date else None,
            "last_date": self.last_date.isoformat() if self.last_date else None,
            "by_publisher": [
                {
                    "name": group.name,
                    "sources": [
                        {
                            "title": c.title,
                            "url": c.url,
                            "published_on": c.published_on.isoformat() if c.published_on else None,
                        }
                        for c in group.citations
                    ],
                }
                for group in self.by_publisher
            ],
        }


def format_day(day):
    return f"{day.day} {day:%B %Y}"


def publisher_of(citation):
    """The name a citation's publisher goes by: as cited, else the article's site."""
    name = citation.publisher_name.strip()
    if name:
        return name
    try:
        return domain_of(citation.url) or "Unknown publisher"
    except ValidationError:
        return "Unknown publisher"


def coverage_of(citations):
    """The Coverage of `citations` (a story's, in its order).

    Publishers are told apart by name regardless of case, and listed by how many of
    the sources they wrote, then by name; each keeps its articles in the story's order.
    """
    citations = list(citations)
    groups = {}
    for citation in citations:
        name = publisher_of(citation)
        groups.setdefault(name.casefold(), PublisherCoverage(name)).citations.append(citation)
    dates = [c.published_on for c in citations if c.published_on]
    return Coverage(
        sources=len(citations),
        publishers=len(groups),
        first_date=min(dates, default=None),
        last_date=max(dates, default=None),
        by_publisher=sorted(groups.values(), key=lambda g: (-len(g.citations), g.name.casefold())),
    )
