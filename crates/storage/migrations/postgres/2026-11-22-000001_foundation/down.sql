DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE login_throttle;
DROP TABLE sessions;
DROP TABLE user_roles;
DROP TABLE users;
DROP TABLE unions;
