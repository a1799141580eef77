"""The durable job engine, in the shape of vLLM's: a queue that owns each job's life in the
database (``queue``), workers that claim, run and finish jobs under a renewable lease
(``worker``), and executors that decide where workers run: threads in this process or actors
in a Ray cluster (``executors``). What a job *does* is a handler handed in from above
(``tenku.platform``); this package knows nothing about videos.
"""

from tenku.jobs.queue import Claim, JobQueue
from tenku.jobs.worker import Cancelled, Interrupted, JobContext, JobError, Worker

__all__ = ["Cancelled", "Claim", "Interrupted", "JobContext", "JobError", "JobQueue", "Worker"]
