"""The API's own login (backend-for-frontend): the VNeID relying party, the API's
rotating tokens, acting for an organisation, and TOTP enrolment."""
