//! What the HTML forms and query strings carry. Everything arrives as text;
//! the services parse it into domain types.

use serde::Deserialize;

#[derive(Debug, Deserialize, Default)]
pub struct LoginQuery {
    pub expired: Option<String>,
    pub bye: Option<String>,
    /// The second step of a sign-in was not done in time.
    pub two_factor_expired: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
}

/// A form that carries only the reason for what it asks (revealing an ID number, marking
/// a relapse, reopening a file): the service records the reason in the audit log.
#[derive(Debug, Deserialize, Default)]
pub struct ReasonForm {
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct NoticeQuery {
    pub notice: Option<String>,
    pub page: Option<i64>,
}

#[derive(Debug, Deserialize, Default)]
pub struct UnionSearch {
    pub q: Option<String>,
    pub level: Option<String>,
    pub page: Option<i64>,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub struct UnionForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub division_code: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct UnionEditForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub division_code: String,
    pub active: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct UnionMoveForm {
    #[serde(default, deserialize_with = "empty_as_none")]
    pub parent_id: Option<i64>,
    pub division_code: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct UserSearch {
    pub q: Option<String>,
    pub role: Option<String>,
    pub active: Option<String>,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub union_id: Option<i64>,
    pub page: Option<i64>,
}

#[derive(Debug, Deserialize, Default)]
pub struct UserForm {
    pub username: Option<String>,
    #[serde(default)]
    pub display_name: String,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub union_id: Option<i64>,
    #[serde(default)]
    pub roles: Vec<String>,
    pub password: Option<String>,
    pub active: Option<String>,
    /// A department user's department code.
    #[serde(default)]
    pub department: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub confirm_password: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct AuditForm {
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub success: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub until: String,
    pub page: Option<i64>,
}

/// `union_id=` (an empty select) means "not given", not a parse error.
fn empty_as_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// The bytes of an uploaded file, at most `limit` of them: `Ok(None)` when
/// the file is larger. Past the limit the rest is read and dropped (the
/// router caps the body), so the browser gets an answer, not a reset.
pub(crate) async fn file_bytes(
    field: &mut axum::extract::multipart::Field<'_>,
    limit: usize,
) -> Result<Option<Vec<u8>>, axum::extract::multipart::MultipartError> {
    let mut bytes = Vec::new();
    let mut over = false;
    while let Some(chunk) = field.chunk().await? {
        over = over || bytes.len() + chunk.len() > limit;
        if !over {
            bytes.extend_from_slice(&chunk);
        }
    }
    Ok((!over).then_some(bytes))
}
