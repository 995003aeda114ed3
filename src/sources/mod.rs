//! Ingest: read, validate and pseudonymise a study folder.
