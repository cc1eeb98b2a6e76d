"""Host-internal defaults, registered as ordinary plugins (and blockable like them)."""
