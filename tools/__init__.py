"""Developer tools that are not part of the service (see the Makefile)."""
