//! Table definitions, written by hand to match both migration sets
//! (`migrations/sqlite`, `migrations/postgres`); ids are BIGINT on both.

diesel::table! {
    unions (id) {
        id -> BigInt,
        parent_id -> Nullable<BigInt>,
        path -> Text,
        name -> Text,
        level -> Text,
        division_code -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        union_id -> BigInt,
        union_path -> Text,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        must_change_password -> Bool,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    user_roles (user_id, role) {
        user_id -> BigInt,
        role -> Text,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        kind -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        ip -> Nullable<Text>,
    }
}

diesel::table! {
    login_throttle (username) {
        username -> Text,
        failures -> Integer,
        locked_until -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        actor_username -> Nullable<Text>,
        union_id -> Nullable<BigInt>,
        union_path -> Nullable<Text>,
        action -> Text,
        object_kind -> Text,
        object_id -> Nullable<Text>,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        ip -> Nullable<Text>,
        success -> Bool,
    }
}

diesel::joinable!(users -> unions (union_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(
    unions,
    users,
    user_roles,
    sessions,
    login_throttle,
    audit_log
);
