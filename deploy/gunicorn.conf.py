"""gunicorn settings for one application server: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Several such servers sit behind nginx (deploy/nginx/baosong.conf) and share one PostgreSQL database
(DATABASE_URL) and one uploads folder on shared storage (PORTAL_UPLOAD_FOLDER, e.g. an NFS mount).
With the embedded SQLite database run a single server: SQLite serialises writers anyway."""
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Pages are short database round trips and WeasyPrint renders; sync workers, two per core.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
worker_class = "sync"
# A yearly bulletin PDF of a large office takes a few seconds; photos upload over slow mobile links.
timeout = 60
graceful_timeout = 30
# Recycle workers now and then: WeasyPrint's peak memory for a long document is a few hundred MB. Not
# often: a new worker spends 2 s of CPU importing the app and more warming its templates and statements,
# and at 2,000 requests the four workers of a busy hour restarted together every two minutes (the load
# benchmark's throughput fell by a third while they did). 20,000 is about half an hour of a busy hour;
# the jitter spreads the restarts apart.
max_requests = 20000
max_requests_jitter = 5000
# nginx is on the same host or network: trust its X-Forwarded-* headers only from there.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
