"""The embedded mock of VNeID, the national identity provider (OpenID Connect).

In production the API points at the real provider by configuration; this package
exists so a fresh clone, the tests and the demo have a faithful, strict provider.
"""
