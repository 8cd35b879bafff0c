"""Consent: requests and signed artefacts, share codes, the one policy check every
cross-party read goes through (``consent.policies.authorize_read``), access events
and notifications."""
