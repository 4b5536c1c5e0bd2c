//! Pairing households with a responsible person, and their plans and measures.
