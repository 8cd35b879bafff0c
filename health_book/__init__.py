"""Health book: clinic-written records (encounters, immunizations, medications,
observations…), consent-gated reads, emergency access and the FHIR R4 patient
summary."""
