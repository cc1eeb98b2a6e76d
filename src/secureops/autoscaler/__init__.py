"""Queue-depth autoscaling of scanner workers within tier limits (see docs/architecture.md)."""
