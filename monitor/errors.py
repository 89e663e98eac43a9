"""One exception tree for Regionwatch.

    RegionwatchError
     ├── ConfigError            settings file or environment is wrong
     ├── CatalogError           the source catalog does not validate (carries every problem)
     ├── StoreError             database not reachable, not migrated, or locked
     ├── FetchError             a crawl could not run at all (not: a page that failed)
     ├── ExtractError           an extractor could not read a document
     │    └── AmbiguousCountryError   a name that could mean several countries
     └── NotifyError            Slack or SMTP refused, or is not configured

The CLI turns any RegionwatchError into one line on stderr and a non-zero exit.
"""

from __future__ import annotations


class RegionwatchError(Exception):
    """Base of every error Regionwatch raises on purpose."""


class ConfigError(RegionwatchError):
    """The settings file or environment is wrong."""


class CatalogError(RegionwatchError):
    """The source catalog does not validate; ``problems`` lists each one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems) if problems else "invalid catalog")


class StoreError(RegionwatchError):
    """The database cannot be used as asked."""


class FetchError(RegionwatchError):
    """A crawl could not be run."""


class ExtractError(RegionwatchError):
    """A document could not be read by its extractor."""


class AmbiguousCountryError(ExtractError):
    """A country name that could mean more than one country."""

    def __init__(self, name: str, candidates: tuple[str, ...]) -> None:
        self.name = name
        self.candidates = candidates
        super().__init__(f"ambiguous country name {name!r}: could be {', '.join(candidates)}")


class NotifyError(RegionwatchError):
    """A notification could not be sent."""
