//! The province panel (DOMAIN.md §9, seed 000) as of any date, and yearly
//! target progress (§8), for any union in the caller's scope.
