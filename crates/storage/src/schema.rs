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
        department -> Nullable<Text>,
        totp_secret -> Nullable<Text>,
        totp_enrolled_at -> Nullable<Timestamp>,
        totp_last_step -> Nullable<BigInt>,
        totp_pending_secret -> Nullable<Text>,
        two_factor_reenrol -> Bool,
    }
}

diesel::table! {
    recovery_codes (user_id, code_hash) {
        user_id -> BigInt,
        code_hash -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    login_challenges (token_hash) {
        token_hash -> Text,
        user_id -> BigInt,
        kind -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
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
        device -> Nullable<Text>,
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
    rate_counters (bucket) {
        bucket -> Text,
        hits -> Integer,
        window_start -> Timestamp,
    }
}

diesel::table! {
    password_history (id) {
        id -> BigInt,
        user_id -> BigInt,
        password_hash -> Text,
        replaced_at -> Timestamp,
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
        chain_seq -> Nullable<BigInt>,
        chain_hash -> Nullable<Text>,
    }
}

diesel::table! {
    poverty_lines (division_code, effective_month) {
        division_code -> Text,
        effective_month -> Text,
        dibao_line_fen -> BigInt,
        low_income_line_fen -> Nullable<BigInt>,
        updated_by -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    identification_params (division_code) {
        division_code -> Text,
        window_months -> Integer,
        multiple_k -> Integer,
        baseline_cutoff -> Date,
        updated_by -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    file_no_counters (prefix) {
        prefix -> Text,
        last -> BigInt,
    }
}

diesel::table! {
    households (id) {
        id -> BigInt,
        union_id -> BigInt,
        union_path -> Text,
        file_no -> Text,
        status -> Text,
        worker_name -> Text,
        worker_id_number -> Text,
        worker_sex -> Text,
        worker_birth_date -> Nullable<Date>,
        phone -> Text,
        address -> Text,
        division_code -> Text,
        employer -> Text,
        employer_kind -> Text,
        employment -> Text,
        labour_capacity -> Text,
        health -> Text,
        disability_grade -> Nullable<Integer>,
        migrant -> Bool,
        zero_employment -> Bool,
        closure_laid_off -> Bool,
        trade_friction -> Bool,
        causes -> Text,
        category -> Text,
        tier -> Text,
        cohort -> Text,
        filed_on -> Date,
        dibao_since -> Nullable<Text>,
        other_relief_since -> Nullable<Text>,
        notes -> Text,
        size -> Integer,
        decision -> Text,
        decision_condition -> Nullable<Integer>,
        decided_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        pairing_union_id -> Nullable<BigInt>,
        responsible_id -> Nullable<BigInt>,
        last_visit_on -> Nullable<Date>,
        left_on -> Nullable<Date>,
        follow_until -> Nullable<Date>,
        ready_pathway -> Nullable<Text>,
        relief_ready -> Bool,
        relapse_on -> Nullable<Date>,
        relapse_reason -> Nullable<Text>,
        previous_id -> Nullable<BigInt>,
        reopened_id -> Nullable<BigInt>,
        paired_on -> Nullable<Date>,
        updated_by -> Nullable<BigInt>,
        report_state -> Text,
        report_union_id -> Nullable<BigInt>,
        report_union_path -> Nullable<Text>,
        report_tier -> Nullable<Text>,
        report_reason -> Nullable<Text>,
        reported_at -> Nullable<Timestamp>,
        anonymised_on -> Nullable<Date>,
        worker_id_index -> Nullable<Text>,
    }
}

diesel::table! {
    members (id) {
        id -> BigInt,
        household_id -> BigInt,
        name -> Text,
        id_number -> Nullable<Text>,
        sex -> Nullable<Text>,
        birth_date -> Nullable<Date>,
        relation -> Text,
        health -> Text,
        disability_grade -> Nullable<Integer>,
        schooling -> Text,
        employment -> Text,
        income_fen -> BigInt,
        id_index -> Nullable<Text>,
    }
}

diesel::table! {
    incomes (household_id, month) {
        household_id -> BigInt,
        month -> Text,
        wages_fen -> BigInt,
        business_fen -> BigInt,
        property_fen -> BigInt,
        transfer_fen -> BigInt,
        medical_fen -> BigInt,
        schooling_fen -> BigInt,
        emergency_fen -> BigInt,
    }
}

diesel::table! {
    name_grams (gram, household_id) {
        gram -> Text,
        household_id -> BigInt,
    }
}

diesel::table! {
    open_persons (person_index) {
        person_index -> Text,
        household_id -> BigInt,
    }
}

diesel::table! {
    applications (id) {
        id -> BigInt,
        union_id -> BigInt,
        union_path -> Text,
        channel -> Text,
        status -> Text,
        worker_name -> Text,
        worker_id_number -> Text,
        phone -> Text,
        division_code -> Text,
        data_json -> Text,
        notice_from -> Nullable<Date>,
        notice_until -> Nullable<Date>,
        household_id -> Nullable<BigInt>,
        version -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        worker_id_index -> Nullable<Text>,
    }
}

diesel::table! {
    application_steps (id) {
        id -> BigInt,
        application_id -> BigInt,
        step -> Text,
        actor_id -> Nullable<BigInt>,
        actor_name -> Text,
        at -> Timestamp,
        detail_json -> Text,
        decision_json -> Nullable<Text>,
    }
}

diesel::table! {
    application_files (id) {
        id -> BigInt,
        application_id -> BigInt,
        name -> Text,
        content_type -> Text,
        size -> BigInt,
        data -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    held_uploads (id) {
        id -> BigInt,
        owner_hash -> Text,
        name -> Text,
        content_type -> Text,
        size -> BigInt,
        data -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        kind -> Text,
        union_id -> BigInt,
        union_path -> Text,
        user_id -> BigInt,
        status -> Text,
        phase -> Text,
        total -> BigInt,
        done -> BigInt,
        message -> Nullable<Text>,
        result_json -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    dictionary (kind, code) {
        kind -> Text,
        code -> Text,
        label -> Text,
        position -> Integer,
        active -> Bool,
    }
}

diesel::table! {
    pairings (id) {
        id -> BigInt,
        household_id -> BigInt,
        union_id -> BigInt,
        responsible_id -> BigInt,
        from_at -> Timestamp,
        until_at -> Nullable<Timestamp>,
        note -> Text,
        created_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    plans (id) {
        id -> BigInt,
        household_id -> BigInt,
        union_path -> Text,
        year -> Integer,
        goal -> Text,
        target_on -> Nullable<Date>,
        summary -> Text,
        status -> Text,
        approved_by -> Nullable<BigInt>,
        approved_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        submitted_by -> Nullable<BigInt>,
        submitted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    measures (id) {
        id -> BigInt,
        plan_id -> BigInt,
        household_id -> BigInt,
        union_path -> Text,
        track -> Text,
        programme -> Nullable<Text>,
        guarantee_line -> Nullable<Text>,
        content -> Text,
        due_on -> Date,
        responsible_id -> Nullable<BigInt>,
        status -> Text,
        done_on -> Nullable<Date>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    visits (id) {
        id -> BigInt,
        household_id -> BigInt,
        union_path -> Text,
        visited_on -> Date,
        met -> Text,
        looked -> Text,
        asked -> Text,
        explained -> Text,
        findings -> Text,
        needs -> Text,
        recorded_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    visit_photos (id) {
        id -> BigInt,
        visit_id -> BigInt,
        name -> Text,
        content_type -> Text,
        size -> BigInt,
        data -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    fund_accounts (id) {
        id -> BigInt,
        union_id -> BigInt,
        union_path -> Text,
        kind -> Text,
        source -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    fund_transfers (id) {
        id -> BigInt,
        union_id -> BigInt,
        union_path -> Text,
        kind -> Text,
        source -> Text,
        on_date -> Date,
        amount -> BigInt,
        memo -> Text,
        to_union_id -> Nullable<BigInt>,
        assistance_id -> Nullable<BigInt>,
        reverses_id -> Nullable<BigInt>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ledger_entries (id) {
        id -> BigInt,
        transfer_id -> BigInt,
        account_id -> BigInt,
        amount -> BigInt,
        on_date -> Date,
    }
}

diesel::table! {
    assistance (id) {
        id -> BigInt,
        household_id -> BigInt,
        union_path -> Text,
        union_id -> BigInt,
        kind -> Text,
        given_on -> Date,
        cash -> BigInt,
        goods -> Text,
        goods_value -> BigInt,
        persons -> Integer,
        measure_id -> Nullable<BigInt>,
        source -> Nullable<Text>,
        school -> Nullable<Text>,
        stage -> Nullable<Text>,
        note -> Text,
        status -> Text,
        transfer_id -> Nullable<BigInt>,
        given_by -> Nullable<BigInt>,
        approved_by -> Nullable<BigInt>,
        subsidy_id -> Nullable<BigInt>,
        referral_id -> Nullable<BigInt>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    subsidies (id) {
        id -> BigInt,
        household_id -> BigInt,
        union_id -> BigInt,
        union_path -> Text,
        amount -> BigInt,
        period -> Text,
        start_month -> Text,
        end_month -> Nullable<Text>,
        source -> Text,
        measure_id -> Nullable<BigInt>,
        status -> Text,
        stopped_on -> Nullable<Date>,
        stop_reason -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    subsidy_payments (id) {
        id -> BigInt,
        subsidy_id -> BigInt,
        household_id -> BigInt,
        union_path -> Text,
        period -> Text,
        amount -> BigInt,
        status -> Text,
        assistance_id -> Nullable<BigInt>,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    assistance_standards (kind, division_code) {
        kind -> Text,
        division_code -> Text,
        max_cash -> BigInt,
        updated_by -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    fund_findings (id) {
        id -> BigInt,
        union_path -> Text,
        check_kind -> Text,
        subject -> Text,
        household_id -> Nullable<BigInt>,
        assistance_id -> Nullable<BigInt>,
        transfer_id -> Nullable<BigInt>,
        amount -> Nullable<BigInt>,
        evidence -> Text,
        found_at -> Timestamp,
        status -> Text,
        resolution -> Nullable<Text>,
        resolved_by -> Nullable<BigInt>,
        resolved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    referrals (id) {
        id -> BigInt,
        household_id -> BigInt,
        union_id -> BigInt,
        union_path -> Text,
        department -> Text,
        need -> Text,
        policy -> Text,
        deadline -> Date,
        status -> Text,
        answer -> Nullable<Text>,
        answered_by -> Nullable<BigInt>,
        answered_at -> Nullable<Timestamp>,
        assistance_id -> Nullable<BigInt>,
        version -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    file_spans (id) {
        id -> BigInt,
        household_id -> BigInt,
        union_id -> BigInt,
        union_path -> Text,
        tier -> Text,
        category -> Text,
        cohort -> Text,
        persons -> Integer,
        from_on -> Date,
        until_on -> Nullable<Date>,
    }
}

diesel::table! {
    exits (id) {
        id -> BigInt,
        household_id -> BigInt,
        union_id -> BigInt,
        union_path -> Text,
        kind -> Text,
        pathway -> Nullable<Text>,
        reason -> Nullable<Text>,
        note -> Text,
        evidence -> Text,
        cohort -> Text,
        status -> Text,
        notice_from -> Nullable<Date>,
        notice_until -> Nullable<Date>,
        decided_on -> Nullable<Date>,
        revokes_id -> Nullable<BigInt>,
        revoked_by_id -> Nullable<BigInt>,
        evaluation_json -> Text,
        version -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    exit_steps (id) {
        id -> BigInt,
        exit_id -> BigInt,
        step -> Text,
        actor_id -> Nullable<BigInt>,
        actor_name -> Text,
        at -> Timestamp,
        note -> Text,
    }
}

diesel::table! {
    targets (union_id, year) {
        union_id -> BigInt,
        year -> Integer,
        share_bp -> Integer,
        set_by -> Nullable<BigInt>,
        set_at -> Timestamp,
    }
}

diesel::table! {
    tallies (union_id, measure, grain, period, key) {
        union_id -> BigInt,
        measure -> Text,
        grain -> Text,
        period -> Date,
        key -> Text,
        n -> BigInt,
        persons -> BigInt,
        amount -> BigInt,
        goods -> BigInt,
    }
}

diesel::table! {
    monthly_runs (month) {
        month -> Text,
        job_id -> BigInt,
        started_at -> Timestamp,
    }
}

diesel::table! {
    todos (id) {
        id -> BigInt,
        month -> Text,
        household_id -> BigInt,
        union_id -> BigInt,
        union_path -> Text,
        responsible_id -> Nullable<BigInt>,
        kind -> Text,
        detail -> Text,
        created_at -> Timestamp,
        done_at -> Nullable<Timestamp>,
        done_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    stale_decisions (household_id) {
        household_id -> BigInt,
        reason -> Text,
    }
}

diesel::table! {
    verification_keys (id) {
        id -> BigInt,
        key_hex -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    verification_batches (id) {
        id -> BigInt,
        dataset -> Text,
        source -> Text,
        as_of -> Date,
        union_id -> BigInt,
        union_path -> Text,
        key_id -> Nullable<BigInt>,
        file_name -> Nullable<Text>,
        row_count -> BigInt,
        hashed_rows -> BigInt,
        duplicate_rows -> BigInt,
        matched_people -> BigInt,
        finding_count -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    verification_findings (id) {
        id -> BigInt,
        batch_id -> BigInt,
        dataset -> Text,
        household_id -> BigInt,
        union_id -> BigInt,
        union_path -> Text,
        member_id -> Nullable<BigInt>,
        person_name -> Text,
        concern -> Text,
        facts -> Text,
        dataset_says -> Text,
        file_says -> Text,
        as_of -> Date,
        status -> Text,
        action -> Nullable<Text>,
        note -> Text,
        linked_kind -> Nullable<Text>,
        linked_ref -> Nullable<Text>,
        resolved_by -> Nullable<BigInt>,
        resolved_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    verification_thresholds (division_code) {
        division_code -> Text,
        vehicle_value_fen -> BigInt,
        properties -> BigInt,
        floor_area_per_person -> BigInt,
        updated_by -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    verification_datasets (code) {
        code -> Text,
        label -> Text,
        department -> Text,
        kind -> Text,
        position -> Integer,
        active -> Bool,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_by -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    household_merges (id) {
        id -> BigInt,
        survivor_id -> BigInt,
        merged_id -> BigInt,
        reason -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    household_transfers (id) {
        id -> BigInt,
        household_id -> BigInt,
        from_union_id -> BigInt,
        from_path -> Text,
        to_union_id -> BigInt,
        to_path -> Text,
        reason -> Text,
        status -> Text,
        answer -> Nullable<Text>,
        version -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        answered_by -> Nullable<BigInt>,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    temporary_files (id) {
        id -> BigInt,
        union_id -> BigInt,
        union_path -> Text,
        worker_name -> Text,
        worker_id_number -> Text,
        phone -> Text,
        address -> Text,
        employer -> Text,
        cause -> Text,
        event -> Text,
        event_on -> Date,
        given_on -> Date,
        cash_fen -> BigInt,
        source -> Nullable<Text>,
        transfer_id -> Nullable<BigInt>,
        goods -> Text,
        goods_value_fen -> BigInt,
        persons -> Integer,
        status -> Text,
        closes_on -> Date,
        household_id -> Nullable<BigInt>,
        closed_reason -> Nullable<Text>,
        closed_on -> Nullable<Date>,
        version -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_by -> Nullable<BigInt>,
        updated_at -> Timestamp,
        worker_id_index -> Nullable<Text>,
    }
}

diesel::table! {
    campaigns (id) {
        id -> BigInt,
        kind -> Text,
        title -> Text,
        union_id -> BigInt,
        union_path -> Text,
        deadline -> Date,
        items -> Text,
        status -> Text,
        task_count -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        closed_by -> Nullable<BigInt>,
        closed_at -> Nullable<Timestamp>,
        version -> BigInt,
    }
}

diesel::table! {
    campaign_tasks (id) {
        id -> BigInt,
        campaign_id -> BigInt,
        household_id -> BigInt,
        union_id -> BigInt,
        union_path -> Text,
        responsible_id -> Nullable<BigInt>,
        outcome -> Nullable<Text>,
        note -> Text,
        exit_id -> Nullable<BigInt>,
        visit_id -> Nullable<BigInt>,
        done_at -> Nullable<Timestamp>,
        done_by -> Nullable<BigInt>,
        version -> BigInt,
    }
}

diesel::table! {
    campaign_clearances (task_id, item) {
        task_id -> BigInt,
        item -> Integer,
        note -> Text,
        cleared_by -> BigInt,
        cleared_at -> Timestamp,
    }
}

diesel::table! {
    assessment_schemes (id) {
        id -> BigInt,
        union_id -> BigInt,
        union_path -> Text,
        level -> Text,
        year -> Integer,
        title -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        scored_at -> Nullable<Timestamp>,
        scored_as_of -> Nullable<Date>,
        version -> BigInt,
    }
}

diesel::table! {
    assessment_items (id) {
        id -> BigInt,
        scheme_id -> BigInt,
        position -> Integer,
        area -> Text,
        name -> Text,
        weight -> Integer,
        source -> Text,
    }
}

diesel::table! {
    assessment_entries (item_id, union_id) {
        item_id -> BigInt,
        union_id -> BigInt,
        scheme_id -> BigInt,
        points -> BigInt,
        note -> Text,
        document_name -> Nullable<Text>,
        document_type -> Nullable<Text>,
        document_size -> Nullable<BigInt>,
        document -> Nullable<Binary>,
        entered_by -> BigInt,
        entered_at -> Timestamp,
    }
}

diesel::table! {
    assessment_scores (item_id, union_id) {
        item_id -> BigInt,
        union_id -> BigInt,
        scheme_id -> BigInt,
        numerator -> BigInt,
        denominator -> BigInt,
        points -> BigInt,
    }
}

diesel::table! {
    at_rest (id) {
        id -> Integer,
        key_check -> Text,
        sealed_key -> Nullable<Text>,
        sealed_at -> Timestamp,
    }
}
pub use crate::schema_resources::{matches, providers, resources};
