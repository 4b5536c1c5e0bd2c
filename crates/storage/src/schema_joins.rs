//! How the tables of `schema.rs` join, and which may appear in one query:
//! declared once for Diesel, apart from the tables so each file stays
//! readable.

use crate::schema::*;

diesel::joinable!(assessment_items -> assessment_schemes (scheme_id));
diesel::joinable!(users -> unions (union_id));
diesel::joinable!(applications -> unions (union_id));
diesel::joinable!(application_steps -> applications (application_id));
diesel::joinable!(application_files -> applications (application_id));
diesel::joinable!(households -> unions (union_id));
diesel::joinable!(members -> households (household_id));
diesel::joinable!(incomes -> households (household_id));
diesel::joinable!(open_persons -> households (household_id));
diesel::joinable!(name_grams -> households (household_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(password_history -> users (user_id));
diesel::joinable!(pairings -> households (household_id));
diesel::joinable!(plans -> households (household_id));
diesel::joinable!(measures -> plans (plan_id));
diesel::joinable!(visits -> households (household_id));
diesel::joinable!(visit_photos -> visits (visit_id));
diesel::joinable!(fund_accounts -> unions (union_id));
diesel::joinable!(ledger_entries -> fund_transfers (transfer_id));
diesel::joinable!(ledger_entries -> fund_accounts (account_id));
diesel::joinable!(assistance -> households (household_id));
diesel::joinable!(subsidies -> households (household_id));
diesel::joinable!(subsidy_payments -> subsidies (subsidy_id));
diesel::joinable!(referrals -> households (household_id));
diesel::joinable!(temporary_files -> households (household_id));
diesel::joinable!(household_transfers -> households (household_id));
diesel::joinable!(file_spans -> households (household_id));
diesel::joinable!(exits -> households (household_id));
diesel::joinable!(exit_steps -> exits (exit_id));
diesel::joinable!(targets -> unions (union_id));
diesel::joinable!(todos -> households (household_id));
diesel::joinable!(stale_decisions -> households (household_id));
diesel::joinable!(verification_findings -> households (household_id));
diesel::joinable!(verification_findings -> verification_batches (batch_id));
diesel::joinable!(campaign_tasks -> campaigns (campaign_id));
diesel::joinable!(campaign_tasks -> households (household_id));
diesel::joinable!(campaign_clearances -> campaign_tasks (task_id));
diesel::allow_tables_to_appear_in_same_query!(
    unions,
    temporary_files,
    household_merges,
    household_transfers,
    users,
    user_roles,
    sessions,
    login_throttle,
    recovery_codes,
    login_challenges,
    rate_counters,
    password_history,
    audit_log,
    poverty_lines,
    identification_params,
    file_no_counters,
    households,
    members,
    incomes,
    name_grams,
    open_persons,
    applications,
    application_steps,
    application_files,
    dictionary,
    pairings,
    plans,
    measures,
    visits,
    visit_photos,
    fund_accounts,
    fund_transfers,
    ledger_entries,
    assistance,
    subsidies,
    subsidy_payments,
    assistance_standards,
    fund_findings,
    referrals,
    file_spans,
    exits,
    exit_steps,
    targets,
    monthly_runs,
    todos,
    stale_decisions,
    verification_keys,
    verification_batches,
    verification_datasets,
    verification_findings,
    verification_thresholds,
    campaigns,
    campaign_tasks,
    campaign_clearances,
    assessment_schemes,
    assessment_items,
    assessment_entries,
    assessment_scores
);
