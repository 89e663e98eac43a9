"""The fetch stage: one crawl = one batch, fetched by Scrapy in a child process, recorded at once.

crawl.run_crawl()     the entry point (CLI and scheduler): sync, fetch, record, detect hook
process / child       the crawl process with its hard time limit, and what runs inside it
settings / middleware / transfer / logformat   the Scrapy side: politeness from
                      FetchSettings, the redirect guard, captures to the parent, log lines
classify / failures   what an answer or a download error means (an Outcome)
assess / record       judging captures against the last snapshot, recording the batch
"""
