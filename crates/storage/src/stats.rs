//! Aggregate reads for the province panel and targets: counts and sums
//! grouped by union, never a person's data.
