//! Exit decisions (`exits`, `exit_steps`) and the lists that lead to them.
