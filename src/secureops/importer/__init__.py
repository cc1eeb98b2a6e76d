"""Turning reports into stored findings: format detection, normalisation, fingerprints, dedup, (re)import."""
