"""School records (học bạ số): transcripts graded by the Circular 22/2021 rules,
teacher-then-principal signing, W3C verifiable credentials, revocation and public
verification."""
