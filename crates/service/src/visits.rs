//! Home visits (入户走访) with the 看·问·讲 checklist and photos.
//!
//! The responsible person records a visit from a phone: the date (not in the
//! future), who was met, what was looked at (看: housing and living
//! conditions), asked (问: situation and needs) and explained (讲: policies),
//! findings and new needs, and optional photos (JPEG or PNG, judged by their
//! bytes, at most 5 MB each). The file's last visit date follows.

use crate::audit::{Owned, Record, Who};
use crate::clock::today;
use crate::uploads::Upload;
use crate::{now, Actor, ServiceError, Services};
use bangfu_domain::application::uploads;
use bangfu_domain::assistance::VisitId;
use bangfu_domain::audit::Action;
use bangfu_domain::household::{parse_text, HouseholdId};
use bangfu_domain::{Permission, ValidationError};
use bangfu_storage::plans as pairing;
use bangfu_storage::visits::{self as store, NewVisit};
use bangfu_storage::{Page, PageRequest};
use chrono::NaiveDate;
use serde_json::json;

pub use bangfu_storage::visits::{PhotoInfo, Visit};

/// Largest photo.
pub const MAX_PHOTO_BYTES: usize = uploads::MAX_BYTES;
/// Most photos per visit.
pub const MAX_PHOTOS: usize = 9;
/// How far back a visit may be entered.
pub const MAX_AGE_DAYS: i64 = 366;

/// A visit as typed.
#[derive(Debug, Clone, Default)]
pub struct VisitInput {
    /// YYYY-MM-DD, not in the future.
    pub visited_on: String,
    pub met: String,
    pub looked: String,
    pub asked: String,
    pub explained: String,
    pub findings: String,
    pub needs: String,
    pub photos: Vec<Upload>,
}

/// A photo that passed the checks: cleaned name, type, bytes.
type Checked = (String, &'static str, Vec<u8>);

fn check_photos(photos: &[Upload], already: usize) -> Result<Vec<Checked>, ValidationError> {
    let photos: Vec<&Upload> = photos.iter().filter(|p| !p.bytes.is_empty()).collect();
    if photos.len() + already > MAX_PHOTOS {
        return Err(ValidationError::new(
            "photos",
            format!("每次走访最多 {MAX_PHOTOS} 张照片"),
        ));
    }
    photos
        .into_iter()
        .map(|f| {
            let name: String = f
                .name
                .chars()
                .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"'))
                .take(100)
                .collect();
            let name = if name.trim().is_empty() {
                "照片".to_owned()
            } else {
                name
            };
            if f.bytes.len() > MAX_PHOTO_BYTES {
                return Err(ValidationError::new(
                    "photos",
                    format!(
                        "照片“{name}”超过 {} MB，请压缩后再上传",
                        MAX_PHOTO_BYTES / 1024 / 1024
                    ),
                ));
            }
            match uploads::sniff(&f.bytes) {
                Some(kind @ ("image/jpeg" | "image/png")) => Ok((name, kind, f.bytes.clone())),
                _ => Err(ValidationError::new(
                    "photos",
                    format!("“{name}”不是 JPG 或 PNG 照片，不能上传"),
                )),
            }
        })
        .collect()
}

fn check_date(raw: &str, today: NaiveDate) -> Result<NaiveDate, ValidationError> {
    let d = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| ValidationError::new("visited_on", "请填写走访日期（YYYY-MM-DD）"))?;
    if d > today {
        return Err(ValidationError::new("visited_on", "走访日期不能晚于今天"));
    }
    if d < today - chrono::Duration::days(MAX_AGE_DAYS) {
        return Err(ValidationError::new("visited_on", "只能补录一年以内的走访"));
    }
    Ok(d)
}

impl Services {
    /// Records a visit with its photos; the file's last visit date follows.
    pub async fn visit_record(
        &self,
        actor: &Actor,
        household: HouseholdId,
        input: VisitInput,
    ) -> Result<Visit, ServiceError> {
        actor.require(Permission::ManageAssistance)?;
        let today = today();
        let visited_on = check_date(&input.visited_on, today)?;
        let met = parse_text("met", "见到的人", &input.met, true, 100)?;
        let looked = parse_text("looked", "一看：住房和生活条件", &input.looked, true, 1000)?;
        let asked = parse_text("asked", "二问：家庭状况和需求", &input.asked, true, 1000)?;
        let explained = parse_text(
            "explained",
            "三讲：讲解的政策",
            &input.explained,
            true,
            1000,
        )?;
        let findings = parse_text("findings", "走访发现", &input.findings, false, 1000)?;
        let needs = parse_text("needs", "新的需求", &input.needs, false, 1000)?;
        let photos = check_photos(&input.photos, 0)?;
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let h = pairing::work_item(c, &scope, household)?
                .ok_or(ServiceError::NotFound("困难职工档案"))?;
            if !h.status.followed() {
                return Err(ServiceError::Rule("该户档案已关闭，不能再记录走访".into()));
            }
            let at = now();
            let id = store::insert(
                c,
                &NewVisit {
                    household_id: household,
                    union_path: h.union_path.clone(),
                    visited_on,
                    met,
                    looked,
                    asked,
                    explained,
                    findings,
                    needs,
                    recorded_by: a.user.id,
                },
                at,
            )?;
            for (name, kind, bytes) in &photos {
                store::add_photo(c, id, name, kind, bytes, at)?;
            }
            store::note_on_household(c, household, visited_on)?;
            Record::of(Action::RecordVisit, "visit", id, h.owner())
                .after(json!({
                    "household_id": household.0,
                    "visited_on": visited_on.to_string(),
                    "photos": photos.len(),
                    "previous_visit_on": h.last_visit_on.map(|d| d.to_string()),
                }))
                .write(c, Who::Actor(&a))?;
            store::find(c, &scope, id)?.ok_or(ServiceError::NotFound("入户走访"))
        })
        .await
    }

    /// Adds photos to a visit already recorded (the API's separate upload).
    pub async fn visit_add_photos(
        &self,
        actor: &Actor,
        id: VisitId,
        photos: Vec<Upload>,
    ) -> Result<Visit, ServiceError> {
        actor.require(Permission::ManageAssistance)?;
        if photos.iter().all(|p| p.bytes.is_empty()) {
            return Err(ValidationError::new("photos", "请选择要上传的照片").into());
        }
        let scope = actor.scope();
        let a = actor.clone();
        self.write(move |c| {
            let v = store::find(c, &scope, id)?.ok_or(ServiceError::NotFound("入户走访"))?;
            let already = usize::try_from(store::photo_count(c, id)?).unwrap_or(MAX_PHOTOS);
            let photos = check_photos(&photos, already)?;
            let h = pairing::work_item(c, &scope, v.household_id)?
                .ok_or(ServiceError::NotFound("困难职工档案"))?;
            let at = now();
            for (name, kind, bytes) in &photos {
                store::add_photo(c, id, name, kind, bytes, at)?;
            }
            Record::of(Action::RecordVisit, "visit", id, h.owner())
                .before(json!({ "photos": already }))
                .after(json!({ "photos": already + photos.len() }))
                .write(c, Who::Actor(&a))?;
            store::find(c, &scope, id)?.ok_or(ServiceError::NotFound("入户走访"))
        })
        .await
    }

    /// A household's visits, newest first.
    pub async fn visit_list(
        &self,
        actor: &Actor,
        household: HouseholdId,
        page: PageRequest,
    ) -> Result<Page<Visit>, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let scope = actor.scope();
        self.read(move |c| {
            pairing::work_item(c, &scope, household)?
                .ok_or(ServiceError::NotFound("困难职工档案"))?;
            Ok(store::list(c, &scope, household, page)?)
        })
        .await
    }

    pub async fn visit_get(&self, actor: &Actor, id: VisitId) -> Result<Visit, ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let scope = actor.scope();
        self.read(move |c| store::find(c, &scope, id)?.ok_or(ServiceError::NotFound("入户走访")))
            .await
    }

    /// One photo of a visit in scope.
    pub async fn visit_photo(
        &self,
        actor: &Actor,
        id: VisitId,
        photo: i64,
    ) -> Result<(PhotoInfo, Vec<u8>), ServiceError> {
        actor.require(Permission::ReadAssistance)?;
        let scope = actor.scope();
        self.read(move |c| {
            store::find(c, &scope, id)?.ok_or(ServiceError::NotFound("入户走访"))?;
            store::photo_data(c, id, photo)?.ok_or(ServiceError::NotFound("照片"))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(bytes: &[u8]) -> Upload {
        Upload {
            name: "a.jpg".into(),
            bytes: bytes.to_vec(),
        }
    }

    #[test]
    fn photos_are_checked_by_content() {
        assert!(check_photos(&[up(&[0xFF, 0xD8, 0xFF, 0xE0])], 0).is_ok());
        assert!(check_photos(&[up(b"\x89PNG\r\n\x1a\nxx")], 0).is_ok());
        assert!(check_photos(&[up(b"%PDF-1.4")], 0).is_err());
        assert!(check_photos(&[up(b"GIF89a")], 0).is_err());
        let mut big = vec![0xFF, 0xD8, 0xFF];
        big.resize(MAX_PHOTO_BYTES + 1, 0);
        assert!(check_photos(&[up(&big)], 0).is_err());
        assert!(check_photos(&[up(&[0xFF, 0xD8, 0xFF])], MAX_PHOTOS).is_err());
    }

    #[test]
    fn dates() {
        let t = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap_or_default();
        assert!(check_date("2026-05-01", t).is_ok());
        assert!(check_date("2026-05-02", t).is_err());
        assert!(check_date("2024-01-01", t).is_err());
        assert!(check_date("nope", t).is_err());
    }
}
