"""Identity: the mock national population register (citizens, households and
guardianship, organisations and staff roles); later the VNeID OpenID provider, TOTP
and the API's own login."""
