"""Running crawls and alert dispatch on Celery workers (``executor = "celery"``), PostgreSQL the one store.

    regionwatch run  ──(enqueue.py: one task per shard)──▶ broker ──▶ regionwatch worker × N
                                                                      (work.py: lock, skip done, check)

``shards.py`` groups due sources so that a domain stays in one task; ``app.py`` builds the Celery
app from Settings and binds the tasks; ``work.py`` is what a task does (plain functions, no
Celery in them); ``status.py`` answers ``regionwatch workers status``. Nothing here is imported
by the embedded default (``executor = "local"``).
"""
