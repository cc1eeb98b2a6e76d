"""The REST API (FastAPI): auth, RBAC, routes. It holds no logic the CLI or worker also needs."""
