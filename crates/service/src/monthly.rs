//! The monthly run (月度评估): evaluates every household each month and
//! leaves to-do items for the responsible person; and the dashboards' counts.
