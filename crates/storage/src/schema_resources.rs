//! Table definitions of social resources (see `schema.rs`), apart so that
//! neither file grows past what one reads at once.

diesel::table! {
    providers (id) {
        id -> BigInt,
        union_id -> BigInt,
        union_path -> Text,
        name -> Text,
        kind -> Text,
        contact -> Text,
        phone -> Text,
        address -> Text,
        note -> Text,
        shared -> Bool,
        active -> Bool,
        version -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    resources (id) {
        id -> BigInt,
        provider_id -> BigInt,
        union_id -> BigInt,
        union_path -> Text,
        kind -> Text,
        title -> Text,
        detail -> Text,
        service -> Nullable<Text>,
        aim -> Nullable<Text>,
        track -> Nullable<Text>,
        programme -> Nullable<Text>,
        place -> Text,
        wage -> Nullable<BigInt>,
        quantity -> BigInt,
        remaining -> BigInt,
        unit_value -> BigInt,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
        transfer_id -> Nullable<BigInt>,
        closed -> Bool,
        version -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    matches (id) {
        id -> BigInt,
        resource_id -> BigInt,
        household_id -> BigInt,
        union_id -> BigInt,
        union_path -> Text,
        person -> Text,
        reason -> Text,
        quantity -> BigInt,
        status -> Text,
        outcome_on -> Nullable<Date>,
        note -> Text,
        assistance_id -> Nullable<BigInt>,
        measure_id -> Nullable<BigInt>,
        version -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(resources -> providers (provider_id));
diesel::joinable!(matches -> resources (resource_id));
diesel::joinable!(matches -> households (household_id));
diesel::allow_tables_to_appear_in_same_query!(providers, resources, matches);
diesel::allow_tables_to_appear_in_same_query!(providers, households);
diesel::allow_tables_to_appear_in_same_query!(providers, unions);
diesel::allow_tables_to_appear_in_same_query!(resources, households);
diesel::allow_tables_to_appear_in_same_query!(resources, unions);
diesel::allow_tables_to_appear_in_same_query!(matches, households);
diesel::allow_tables_to_appear_in_same_query!(matches, unions);

use crate::schema::{households, unions};
