//! The monthly run's claim per month (`monthly_runs`) and its to-do items (`todos`).
