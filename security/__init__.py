"""Who may write, what was written, and how to take it back: users and roles, the audit log, snapshots.

Everything lives beside the data, in ``$CHAINGRAPH_DATA_DIR`` (default ``.chaingraph``), for both stores:
``users.json`` (salted scrypt hashes, mode 0600), ``audit.jsonl`` (append-only) and ``snapshots/``.
"""
