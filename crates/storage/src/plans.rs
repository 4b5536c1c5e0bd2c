//! Pairing (一帮一), plans (一户一计划) and their measures (一户一措施).
