//! Secrets: password hashing (argon2id) and API tokens.
//!
//! A token is `kho_` + 43 characters of base64url (256 random bits). Only its SHA-256 is
//! stored, so a database leak does not leak usable tokens; the clear token is shown once.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use kho_core::authz::ActorUser;
use kho_core::model::STATE_ACTIVE;
use kho_core::{Actor, Error, Msg, Result};

use crate::Catalog;

pub const TOKEN_PREFIX: &str = "kho_";

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(Error::internal)
}

pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new random token and the hash to store.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// What a presented token means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenOutcome {
    /// A valid token of an active user.
    Actor(Actor),
    /// Unknown token: CKAN treats the request as anonymous.
    Unknown,
    /// Known but refused (revoked, suspended, expired): answered with 403 and the reason.
    Refused(Msg),
}

impl Catalog {
    /// Resolve the raw value of an `Authorization` / `X-CKAN-API-Key` header.
    pub async fn authenticate(&self, raw: &str) -> Result<TokenOutcome> {
        let raw = raw.trim();
        let raw = raw
            .strip_prefix("Bearer ")
            .or_else(|| raw.strip_prefix("bearer "))
            .unwrap_or(raw)
            .trim();
        if raw.is_empty() {
            return Ok(TokenOutcome::Unknown);
        }
        let hash = token_hash(raw);
        let mut tx = self.store().read().await?;
        let Some(token) = tx.token_by_hash(&hash).await? else {
            return Ok(TokenOutcome::Unknown);
        };
        match token.state.as_str() {
            "revoked" => {
                return Ok(TokenOutcome::Refused(reasoned(
                    "API token revoked",
                    token.state_reason,
                )))
            }
            "suspended" => {
                return Ok(TokenOutcome::Refused(reasoned(
                    "suspended",
                    token.state_reason,
                )))
            }
            _ => {}
        }
        let now = kho_core::time::now_utc();
        if token.expires_at.is_some_and(|e| e <= now) {
            return Ok(TokenOutcome::Refused(Msg::new("API token expired")));
        }
        let Some(user) = tx.user_get(&token.user_id).await? else {
            return Ok(TokenOutcome::Unknown);
        };
        // A suspended account is refused on every call (regulations, requirement 12).
        let suspended = tx.suspension_get("user", &user.id).await?;
        drop(tx);
        if let Some(s) = suspended {
            return Ok(TokenOutcome::Refused(reasoned("suspended", Some(s.reason))));
        }
        if user.state != STATE_ACTIVE {
            // CKAN: deleted users are never authorized.
            return Ok(TokenOutcome::Refused(Msg::new(
                "User account is not active",
            )));
        }
        // Touch last_access at most once a minute so reads stay reads.
        let stale = token
            .last_access
            .is_none_or(|t| (now - t).num_seconds() >= 60);
        if stale {
            let mut w = self.store().begin().await?;
            w.token_touch(&token.id, now).await?;
            w.user_touch(&user.id, now).await?;
            w.commit().await?;
        }
        Ok(TokenOutcome::Actor(Actor::User(ActorUser {
            id: user.id,
            name: user.name,
            sysadmin: user.sysadmin,
        })))
    }
}

fn reasoned(what: &str, reason: Option<String>) -> Msg {
    match reason.filter(|r| !r.trim().is_empty()) {
        Some(r) => Msg::new(format!("{what}: %{{reason}}")).arg("reason", r),
        None => Msg::new(what),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_and_hashed() {
        let (t, h) = new_token();
        assert!(t.starts_with(TOKEN_PREFIX));
        assert_eq!(t.len(), TOKEN_PREFIX.len() + 43);
        assert_eq!(h, token_hash(&t));
        assert_ne!(new_token().0, t);
    }

    #[test]
    fn passwords_round_trip() {
        let h = hash_password("correct horse").expect("hash");
        assert!(h.starts_with("$argon2"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
    }
}
