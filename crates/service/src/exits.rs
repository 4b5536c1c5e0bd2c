//! Exits (脱困), reliefs (解困), removals and their revocation: proposed,
//! reviewed, published and approved like filings (DOMAIN.md §5); relapse (返困)
//! and reopening as an incremental-pool file linked to the old one.
