//! The dictionary: catalogues an administrator edits (tracks, programmes,
//! kinds of assistance, guarantee lines, departments).
