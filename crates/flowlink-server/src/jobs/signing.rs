//! Signed job URLs: the upload URL of an import job and the download URL of an export job
//! carry their own authorisation (no bearer token, like an S3 presigned URL): an expiry and an
//! HMAC-SHA256 over (purpose, job id, expiry) with a secret every replica shares — created once
//! in the database by whichever replica asks first. An upload URL is also single-use: the job
//! leaves `Registered` with its first upload (a conditional write in the store).

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use uuid::Uuid;

use flowlink_store::{Store, StoreError};

/// How long an upload URL is valid.
pub const UPLOAD_TTL_MS: i64 = 15 * 60 * 1000;
/// How long a download URL is valid (each poll of the job hands out a fresh one).
pub const DOWNLOAD_TTL_MS: i64 = 10 * 60 * 1000;

/// Name of the signing secret in the store.
const SECRET_NAME: &str = "flow-jobs-url-hmac";

/// What a URL authorises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Upload,
    Download,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Upload => "upload",
            Purpose::Download => "download",
        }
    }
}

/// Why a signed URL is refused (the 403's message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the signature is missing or malformed")]
    Malformed,
    #[error("the signature does not match")]
    Mismatch,
    #[error("the URL has expired")]
    Expired,
}

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks job URLs with the shared secret.
pub struct Signer {
    /// Keyed once; cloned for each signature.
    keyed: HmacSha256,
}

impl Signer {
    /// The signer of this database (the secret is created on first use).
    pub async fn load(store: &dyn Store) -> Result<Signer, StoreError> {
        let mut candidate = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut candidate);
        let key = store.server_secret(SECRET_NAME, &candidate).await?;
        Signer::with_key(&key).ok_or_else(|| StoreError::Backend("unusable signing key".into()))
    }

    /// A signer with a given key (`None` only for a key HMAC refuses, which no length is).
    pub fn with_key(key: &[u8]) -> Option<Signer> {
        HmacSha256::new_from_slice(key)
            .ok()
            .map(|keyed| Signer { keyed })
    }

    fn mac(&self, purpose: Purpose, job: Uuid, expires_ms: i64) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(format!("{}\n{job}\n{expires_ms}", purpose.as_str()).as_bytes());
        mac
    }

    /// The hex signature for `job`'s URL of `purpose` valid until `expires_ms`.
    pub fn sign(&self, purpose: Purpose, job: Uuid, expires_ms: i64) -> String {
        hex(&self.mac(purpose, job, expires_ms).finalize().into_bytes())
    }

    /// Checks a signature (constant-time) and its expiry against `now_ms`.
    pub fn verify(
        &self,
        purpose: Purpose,
        job: Uuid,
        expires_ms: i64,
        signature: &str,
        now_ms: i64,
    ) -> Result<(), SignatureError> {
        let bytes = unhex(signature).ok_or(SignatureError::Malformed)?;
        self.mac(purpose, job, expires_ms)
            .verify_slice(&bytes)
            .map_err(|_| SignatureError::Mismatch)?;
        if now_ms > expires_ms {
            return Err(SignatureError::Expired);
        }
        Ok(())
    }

    /// `<base>/<path>?expires=..&signature=..` for `job`, valid `ttl_ms` from `now_ms`.
    pub fn url(
        &self,
        base: &str,
        path: &str,
        purpose: Purpose,
        job: Uuid,
        now_ms: i64,
        ttl_ms: i64,
    ) -> String {
        let expires = now_ms + ttl_ms;
        let signature = self.sign(purpose, job, expires);
        format!("{base}{path}?expires={expires}&signature={signature}")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() & 1 == 1 || s.len() > 128 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_once_and_only_for_its_job_purpose_and_time() {
        let s = Signer::with_key(b"k").unwrap();
        let job = Uuid::new_v4();
        let sig = s.sign(Purpose::Upload, job, 1_000);
        assert_eq!(s.verify(Purpose::Upload, job, 1_000, &sig, 999), Ok(()));
        assert_eq!(
            s.verify(Purpose::Upload, job, 1_000, &sig, 1_001),
            Err(SignatureError::Expired)
        );
        assert_eq!(
            s.verify(Purpose::Download, job, 1_000, &sig, 0),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            s.verify(Purpose::Upload, Uuid::new_v4(), 1_000, &sig, 0),
            Err(SignatureError::Mismatch)
        );
        // Moving the expiry invalidates the signature.
        assert_eq!(
            s.verify(Purpose::Upload, job, 9_000, &sig, 0),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            s.verify(Purpose::Upload, job, 1_000, "zz", 0),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            Signer::with_key(b"other")
                .unwrap()
                .verify(Purpose::Upload, job, 1_000, &sig, 0),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mut mac = HmacSha256::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
