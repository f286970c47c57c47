//! Generating and checking secrets: client secrets and bearer tokens. Nothing here logs a
//! secret.
//!
//! **Client secrets** are 32 random bytes ([`random_secret`]), so they are stored as a fast
//! hash: `sha256:` + base64url(SHA-256(`flowlink client secret v1:` ‖ secret)), compared in
//! constant time. A slow password hash (argon2) protects *guessable* secrets; a 256-bit random
//! secret cannot be guessed, so SHA-256 alone makes the stored string useless to whoever reads
//! the database (no preimage), and costs about a microsecond instead of ~74 ms of CPU per
//! login. A server-wide key (HMAC with a pepper) was not taken: it would protect nothing more
//! for secrets this strong, and every replica would need the same key, whose loss would lock
//! every client out. The prefix inside the hash input keeps these strings apart from token
//! hashes.
//!
//! **Argon2 is kept only to read what earlier releases stored**: their `$argon2id$…` PHC
//! strings still verify ([`Verified::Legacy`]), after which the caller stores the fast form
//! ([`crate::auth::token`]), so an upgrade never locks a client out. flowlink stores no human
//! passwords, so nothing new is ever hashed with argon2.
//!
//! **Bearer tokens** are random 32 bytes too, stored and used as keys by their SHA-256
//! ([`token_hash`]).

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Prefix of the current stored form of a client secret.
const FAST_PREFIX: &str = "sha256:";

/// Domain separation: a client-secret hash never equals a token hash of the same bytes.
const DOMAIN: &[u8] = b"flowlink client secret v1:";

/// Longest secret worth checking. Ours are 43 characters; anything far longer is not one of
/// ours, and refusing it bounds the cost of a check whatever a client sends.
pub const MAX_SECRET_LEN: usize = 256;

/// 32 random bytes, base64url without padding (43 characters).
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a bearer token: the only form in which tokens are stored or used as keys.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn secret_digest(secret: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(secret.as_bytes());
    h.finalize().into()
}

/// The stored form of a client secret (`sha256:…`, self-describing, 50 characters).
pub fn hash_secret(secret: &str) -> String {
    format!(
        "{FAST_PREFIX}{}",
        URL_SAFE_NO_PAD.encode(secret_digest(secret))
    )
}

/// What checking a secret against its stored hash found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    /// The secret matches the current (fast) form.
    Match,
    /// The secret matches an argon2 PHC string of an earlier release: store the fast form.
    Legacy,
    /// Wrong secret, or a stored string this server cannot read.
    NoMatch,
}

/// Whether `stored` is an argon2 PHC string of an earlier release, which costs a slow check
/// (the caller bounds how many run at once).
pub fn is_legacy(stored: &str) -> bool {
    stored.starts_with("$argon2")
}

/// Checks `secret` against `stored`: the fast form in constant time, or (legacy) argon2.
/// Secrets over [`MAX_SECRET_LEN`] never match. Run a legacy check off the async workers.
pub fn verify_secret(secret: &str, stored: &str) -> Verified {
    if secret.len() > MAX_SECRET_LEN {
        return Verified::NoMatch;
    }
    if let Some(encoded) = stored.strip_prefix(FAST_PREFIX) {
        let Ok(expected) = URL_SAFE_NO_PAD.decode(encoded) else {
            return Verified::NoMatch;
        };
        return if bool::from(secret_digest(secret).as_slice().ct_eq(&expected)) {
            Verified::Match
        } else {
            Verified::NoMatch
        };
    }
    if is_legacy(stored) && verify_argon2(secret, stored) {
        return Verified::Legacy;
    }
    Verified::NoMatch
}

/// Argon2 PHC check (constant-time inside argon2), for hashes earlier releases stored.
fn verify_argon2(secret: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, SaltString};

    #[test]
    fn secrets_round_trip_and_differ() {
        let s = random_secret();
        assert_eq!(s.len(), 43);
        assert_ne!(s, random_secret());
        let h = hash_secret(&s);
        assert!(h.starts_with("sha256:"), "{h}");
        assert!(!h.contains(&s));
        assert!(!is_legacy(&h));
        assert_eq!(verify_secret(&s, &h), Verified::Match);
        assert_eq!(verify_secret("wrong", &h), Verified::NoMatch);
        assert_eq!(verify_secret(&s, "not a hash"), Verified::NoMatch);
        assert_eq!(verify_secret(&s, "sha256:!!"), Verified::NoMatch);
        // The digest alone (a truncated stored string) does not match.
        assert_eq!(verify_secret(&s, &h[..20]), Verified::NoMatch);
    }

    #[test]
    fn a_secret_hash_is_not_its_token_hash() {
        let s = random_secret();
        assert_ne!(
            hash_secret(&s),
            format!("sha256:{}", URL_SAFE_NO_PAD.encode(token_hash(&s)))
        );
    }

    #[test]
    fn argon2_hashes_of_earlier_releases_still_verify() {
        let s = random_secret();
        let salt = SaltString::generate(&mut OsRng);
        let phc = Argon2::default()
            .hash_password(s.as_bytes(), &salt)
            .unwrap()
            .to_string();
        assert!(is_legacy(&phc));
        assert_eq!(verify_secret(&s, &phc), Verified::Legacy);
        assert_eq!(verify_secret("wrong", &phc), Verified::NoMatch);
    }

    #[test]
    fn overlong_secrets_never_match() {
        let long = "x".repeat(MAX_SECRET_LEN + 1);
        assert_eq!(verify_secret(&long, &hash_secret(&long)), Verified::NoMatch);
    }
}
