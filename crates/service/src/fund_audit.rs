//! The fund audit: checks over assistance and the ledger, and the
//! resolution of what they find.
