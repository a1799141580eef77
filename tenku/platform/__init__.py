"""Domain services of the video service: API keys, videos and their jobs, characters,
webhooks, uploads, and the runtime that wires the database, blob store, job queue and
executors together. Route handlers in ``tenku.api`` only translate HTTP to these calls."""
