"""The host's core: hookspecs, plugin manager, plugin-facing models, settings and drivers."""
