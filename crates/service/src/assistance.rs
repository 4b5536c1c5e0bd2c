//! Recording assistance (帮扶记录): what was given, to whom, from which
//! fund, for which measure; cash above the threshold waits for a reviewer.
