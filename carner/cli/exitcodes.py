"""The exit codes every `carner` command uses: one table, so a scheduler can tell outcomes apart.

| code | meaning                                                                          |
|------|----------------------------------------------------------------------------------|
| 0    | complete: everything asked for was done                                          |
| 1    | internal error (a bug: please report it with the traceback)                      |
| 2    | bad input: an argument, option, setting or input file is wrong (FILE:LINE shown) |
| 3    | blocked: the site answered with a bot wall; state saved, resume later            |
| 4    | unreachable: a site or server (eBay, doccano, model server): DNS, refused, 5xx |
| 5    | partial: stopped early with work left (errors); state saved, resume later        |
| 6    | layout drift: done, but pages matched no known layout or a field came out empty   |
|      | on far more pages than usual (eBay changed its markup; the parser needs updating) |

The same table is in docs/usage.md ("Exit codes").
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1
    BAD_INPUT = 2
    BLOCKED = 3
    UNREACHABLE = 4
    PARTIAL = 5
    DRIFT = 6


CRAWL_STATUS_CODES: dict[str, ExitCode] = {
    "finished": ExitCode.OK,
    "blocked": ExitCode.BLOCKED,
    "unreachable": ExitCode.UNREACHABLE,
    "partial": ExitCode.PARTIAL,
}


def for_crawl_status(status: str) -> ExitCode:
    """Exit code of a crawl that ended with `status` (`scraper.crawl.CrawlResult.status`)."""
    return CRAWL_STATUS_CODES.get(status, ExitCode.INTERNAL)
