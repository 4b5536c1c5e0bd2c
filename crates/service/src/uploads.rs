//! An applicant's supporting documents: the checks every upload passes (type
//! judged by content, size, count), and the documents held across a refused
//! submission of the public form, so a person who corrects a mistake does
//! not have to choose them again.
//!
//! Held documents are keyed to the SHA-256 of the form's CSRF token (the
//! browser's pre-login cookie, or an officer's session): only that browser
//! can name them, their bytes are never served back, and they are removed
//! [`HELD_FOR_HOURS`] after the applicant last sent the form.

use crate::crypto::token_hash;
use crate::{now, ServiceError, Services};
use bangfu_domain::application::uploads;
use bangfu_domain::{Refusals, ValidationError};
use bangfu_storage::held_uploads;
pub use bangfu_storage::held_uploads::HeldInfo;
use bangfu_storage::Conn;

/// A supporting document as uploaded.
#[derive(Debug, Clone)]
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Documents held from an earlier attempt of the same browser: the token of
/// its form and the ones the applicant kept ticked.
#[derive(Debug, Clone, Default)]
pub struct Held {
    pub token: String,
    pub keep: Vec<i64>,
}

/// How long documents are held after the applicant last sent the form.
pub const HELD_FOR_HOURS: i64 = 2;

/// A document that passed the checks: its cleaned name, type and bytes.
pub(crate) type Checked = (String, String, Vec<u8>);

fn too_many() -> ValidationError {
    ValidationError::new(
        "files",
        format!("最多上传 {} 个证明材料", uploads::MAX_FILES),
    )
}

/// Checks each document on its own, with `already` documents kept from
/// before counting towards the limit: those that pass, and one refusal for
/// each that does not (naming it).
pub(crate) fn check_each(files: &[Upload], already: usize) -> (Vec<Checked>, Refusals) {
    let mut r = Refusals::new();
    let mut ok = Vec::new();
    for f in files.iter().filter(|f| !f.bytes.is_empty()) {
        let name: String = f
            .name
            .chars()
            .filter(|c| !c.is_control() && !matches!(c, '/' | '\\'))
            .take(100)
            .collect();
        let name = if name.trim().is_empty() {
            "材料".to_owned()
        } else {
            name
        };
        if f.bytes.len() > uploads::MAX_BYTES {
            r.push(ValidationError::new(
                "files",
                format!(
                    "“{name}”超过 {} MB，请压缩后再上传",
                    uploads::MAX_BYTES / 1024 / 1024
                ),
            ));
            continue;
        }
        let Some(kind) = uploads::sniff(&f.bytes) else {
            r.push(ValidationError::new(
                "files",
                format!("“{name}”不是 JPG、PNG 图片或 PDF 文件，不能上传"),
            ));
            continue;
        };
        if already + ok.len() >= uploads::MAX_FILES {
            r.push(too_many());
            continue;
        }
        ok.push((name, kind.to_owned(), f.bytes.clone()));
    }
    (ok, r)
}

/// The ids a form may name: no more than an application takes.
fn kept(held: &Held) -> &[i64] {
    &held.keep[..held.keep.len().min(uploads::MAX_FILES)]
}

/// The kept documents the browser still holds (expired ones are gone).
pub(crate) fn held_list(c: &mut Conn, held: &Held) -> Result<Vec<HeldInfo>, ServiceError> {
    if held.keep.is_empty() || held.token.is_empty() {
        return Ok(Vec::new());
    }
    Ok(held_uploads::list(c, &token_hash(&held.token), kept(held))?)
}

/// The kept documents, no longer held: the application takes them.
pub(crate) fn take_held(c: &mut Conn, held: &Held) -> Result<Vec<Checked>, ServiceError> {
    if held.keep.is_empty() || held.token.is_empty() {
        return Ok(Vec::new());
    }
    Ok(held_uploads::take(c, &token_hash(&held.token), kept(held))?)
}

impl Services {
    /// Holds an applicant's documents across a refused submission (or a
    /// form sent back to choose the union or add a member): the kept ones
    /// from before and the new ones that pass the checks. Returns what is
    /// held now and a refusal for each new document that is not.
    pub async fn uploads_hold(
        &self,
        held: Held,
        files: Vec<Upload>,
    ) -> Result<(Vec<HeldInfo>, Refusals), ServiceError> {
        if held.token.is_empty() || (held.keep.is_empty() && files.is_empty()) {
            return Ok((Vec::new(), Refusals::new()));
        }
        self.write(move |c| {
            let at = now();
            held_uploads::purge(c, at - chrono::Duration::hours(HELD_FOR_HOURS))?;
            let owner = token_hash(&held.token);
            let kept = held_list(c, &held)?;
            let (ok, refused) = check_each(&files, kept.len());
            let mut ids: Vec<i64> = kept.iter().map(|h| h.id).collect();
            for (name, kind, bytes) in &ok {
                ids.push(held_uploads::insert(c, &owner, name, kind, bytes, at)?);
            }
            held_uploads::touch(c, &owner, &ids, at)?;
            Ok((held_uploads::list(c, &owner, &ids)?, refused))
        })
        .await
    }
}
