//! Fund-audit findings and the queries the checks run.
