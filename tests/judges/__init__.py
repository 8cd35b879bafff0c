"""Judges made of other people's definitions and libraries, not of CongDan's code.

Each one checks what the API produces against a published standard: the FHIR IPS
profiles as HL7 publishes them (read by :mod:`tests.judges.fhir_profiles`, their
invariants evaluated by fhirpathpy). The files they read are fetched, pinned by
hash, by ``make judges``.
"""
