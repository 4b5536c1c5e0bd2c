//! Password hashing (Argon2id) and random tokens.

use crate::ServiceError;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Hashes off the async threads: Argon2 is deliberately slow.
pub async fn hash_password(plain: String) -> Result<String, ServiceError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(plain.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ServiceError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| ServiceError::Internal(e.to_string()))?
}

/// Verifies against `hash`, or against a fixed dummy hash when there is no
/// user, so an unknown name costs the same time as a wrong password.
pub async fn verify_password(plain: String, hash: Option<String>) -> Result<bool, ServiceError> {
    tokio::task::spawn_blocking(move || {
        let dummy;
        let stored = match &hash {
            Some(h) => h.as_str(),
            None => {
                dummy = dummy_hash();
                dummy.as_str()
            }
        };
        let ok = PasswordHash::new(stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(plain.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && hash.is_some()
    })
    .await
    .map_err(|e| ServiceError::Internal(e.to_string()))
}

/// Whether `plain` matches any of `hashes` (a password history), checked
/// off the async threads.
pub async fn verify_any(plain: String, hashes: Vec<String>) -> Result<bool, ServiceError> {
    tokio::task::spawn_blocking(move || {
        hashes.iter().any(|stored| {
            PasswordHash::new(stored).is_ok_and(|parsed| {
                Argon2::default()
                    .verify_password(plain.as_bytes(), &parsed)
                    .is_ok()
            })
        })
    })
    .await
    .map_err(|e| ServiceError::Internal(e.to_string()))
}

fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(b"no such user", &salt)
                .map(|h| h.to_string())
                .unwrap_or_default()
        })
        .clone()
}

/// 32 random bytes, URL-safe base64: session tokens and CSRF tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// A fresh password that satisfies the policy (for demo users and resets).
pub fn generate_password() -> String {
    const LOWER: &[u8] = b"abcdefghjkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    let mut rng = rand::rngs::OsRng;
    let mut pick = |set: &[u8]| set[(rng.next_u32() as usize) % set.len()] as char;
    let mut s = String::new();
    for i in 0..12 {
        s.push(match i % 3 {
            0 => pick(UPPER),
            1 => pick(LOWER),
            _ => pick(DIGIT),
        });
    }
    s.insert(6, '-');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_meet_the_policy() {
        for _ in 0..50 {
            let p = generate_password();
            assert!(bangfu_domain::Password::parse(&p).is_ok(), "{p}");
        }
    }
}
