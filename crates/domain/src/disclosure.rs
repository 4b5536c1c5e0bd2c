//! How much of a person's identity a read model carries.
//!
//! A file's ID numbers and phone are stored in full, because the rules need
//! them (one open file per person, birth dates, sex). Whoever reads a file
//! sees them masked, unless they hold the reveal permission and give a reason
//! (PIPL's minimum necessary; see `docs/rules.md` §9). The difference is a
//! type: a file read for a person is `HouseholdData<Masked>`, whose ID
//! numbers are already the masked text, so the pages and the API have nothing
//! to remember and nothing to forget. The service decides, once, by calling
//! `masked()` on what it returns.

use crate::{IdNumber, Sex};
use chrono::NaiveDate;
use serde::Serialize;
use std::fmt::{self, Debug};

/// What an ID number is in a read model.
pub trait Disclosure: Clone + Copy + Debug + Default + PartialEq + Eq + Serialize {
    type IdNumber: Clone + Debug + PartialEq + Eq + Serialize;
}

/// As stored: the full, validated number. Only the service sees these.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stored;

impl Disclosure for Stored {
    type IdNumber = IdNumber;
}

/// As a reader sees it: the masked text ("4401**********123X") with the sex
/// and birth date lists show, and the phone masked too.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Masked;

impl Disclosure for Masked {
    type IdNumber = MaskedId;
}

/// An ID number as a reader sees it: the masked text, and the sex and birth
/// date a list shows (read from the full number before it was masked).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MaskedId {
    pub text: String,
    pub sex: Sex,
    pub birth_date: Option<NaiveDate>,
}

impl MaskedId {
    pub fn of(id: &IdNumber) -> Self {
        Self {
            text: id.masked(),
            sex: id.sex(),
            birth_date: id.birth_date(),
        }
    }
}

impl fmt::Display for MaskedId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
