//! Assistance records (帮扶记录): one act of assistance to a household.
