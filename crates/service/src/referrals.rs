//! Referrals of households' needs to departments, and their answers.
