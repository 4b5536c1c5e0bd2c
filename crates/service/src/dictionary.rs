//! The catalogues (dictionary) and the assistance standards an administrator edits.
