"""gunicorn settings, read automatically when gunicorn starts in this folder.

The app is loaded once in the master and forked; each worker then moves the
start-up objects out of the garbage collector's reach and collects less
often, which saves about a quarter of the CPU of a large GraphQL page.
"""

import gc

preload_app = True


def post_worker_init(worker):
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
