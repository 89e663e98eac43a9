"""The crawl process: ``python -m monitor.fetch.child JOB`` runs one batch in Scrapy, then exits.

It lives only as long as one crawl, so the Twisted reactor starts once per process and is
never restarted; the parent waits for it with a hard time limit and reads its captures.
With ``-`` for JOB it imports Scrapy first and then reads the job's path from its standard
input (an empty line or end of input: no job, exit), so the parent can start it early.
"""

from __future__ import annotations

import importlib
import logging
import pickle
import sys
from pathlib import Path

from monitor.fetch.records import CrawlJob
from monitor.fetch.settings import SPIDER_FOR_KIND, SPIDER_MODULES
from monitor.fetch.transfer import OUTPUT_SETTING


def load_job(path: Path) -> CrawlJob:
    """The job the parent wrote (a pickle in its private temporary directory)."""
    job = pickle.loads(path.read_bytes())  # noqa: S301 - written by our parent, mode 0600
    if not isinstance(job, CrawlJob):
        raise TypeError(f"{path} does not hold a crawl job")
    return job


def run(job: CrawlJob) -> None:
    """Run the page and feed spiders together in one reactor until both are done (the spiders
    are found by name through Scrapy's spider loader, from ``SPIDER_MODULES``)."""
    from scrapy.crawler import AsyncCrawlerProcess

    settings = {**job.scrapy_settings, OUTPUT_SETTING: job.output_dir}
    process = AsyncCrawlerProcess(settings)
    if settings.get("LOG_LEVEL") != "DEBUG":  # tracebacks only under --debug
        from monitor.fetch.logformat import ONE_LINE_LOGGERS, OneLineErrors

        for name in ONE_LINE_LOGGERS:
            logging.getLogger(name).addFilter(OneLineErrors())
    for kind, name in SPIDER_FOR_KIND.items():
        targets = [t for t in job.targets if t.kind is kind]
        if targets:
            process.crawl(name, targets=targets, started_at=job.started_at)
    process.start()


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: python -m monitor.fetch.child JOB|-\n")
        return 2
    if argv[1] != "-":
        run(load_job(Path(argv[1])))
        return 0
    import scrapy.crawler  # noqa: F401 - the slow imports, done while the parent prepares the job

    for module in SPIDER_MODULES:
        importlib.import_module(module)

    path = sys.stdin.readline().strip()
    if path:
        run(load_job(Path(path)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
