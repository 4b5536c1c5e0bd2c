use std::fmt;

/// A value a person entered that the rules refuse.
///
/// `field` is the name of the input (as used in the API and in forms) so the
/// interface can put the message next to it; `message` is Chinese because it
/// is shown to the person who typed the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    pub field: &'static str,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Every refusal found in one pass over a form, so the person who typed it
/// can correct them all at once instead of one per submission. Each keeps
/// its field; the same refusal twice is kept once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refusals(Vec<ValidationError>);

impl Refusals {
    pub fn new() -> Self {
        Self::default()
    }

    /// The value, or `None` after keeping its refusal.
    pub fn take<T>(&mut self, r: Result<T, ValidationError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(e);
                None
            }
        }
    }

    pub fn push(&mut self, e: ValidationError) {
        if !self.0.contains(&e) {
            self.0.push(e);
        }
    }

    pub fn extend(&mut self, more: impl IntoIterator<Item = ValidationError>) {
        for e in more {
            self.push(e);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The refusals in the order they were found.
    pub fn list(&self) -> &[ValidationError] {
        &self.0
    }

    pub fn into_vec(self) -> Vec<ValidationError> {
        self.0
    }

    /// `Ok(())` when nothing was refused.
    pub fn check(self) -> Result<(), Refusals> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

impl From<ValidationError> for Refusals {
    fn from(e: ValidationError) -> Self {
        Self(vec![e])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_keep_every_field_once_in_order() {
        let mut r = Refusals::new();
        assert_eq!(r.take::<i32>(Ok(1)), Some(1));
        assert!(r.check().is_ok());
        let mut r = Refusals::new();
        let a = ValidationError::new("a", "x");
        assert_eq!(r.take::<i32>(Err(a.clone())), None);
        r.push(ValidationError::new("b", "y"));
        r.push(a.clone());
        assert_eq!(r.len(), 2);
        assert_eq!(r.list()[0], a);
        assert_eq!(r.check().unwrap_err().list()[1].field, "b");
    }
}
