//! Referrals (需求推送) of a household's need to a department.
