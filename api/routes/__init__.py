"""One router per resource of the HTTP API (SPEC §6)."""
