//! `POST /oauth/token` bodies: the success response and the OAuth error shape (not ErrorBody).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// 200 answer of the client-credentials grant. `token_type` is `"bearer"`; `expires_in` is
/// numeric seconds (the JS SDK does arithmetic on it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
}

/// The OAuth error body, e.g.
/// `{"error":"invalid_client","description":"authentication failed","error_description":"authentication failed"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OAuthErrorBody {
    pub error: String,
    pub description: String,
    pub error_description: String,
}

impl OAuthErrorBody {
    /// An error whose `description` and `error_description` are both `description`.
    pub fn new(error: &str, description: &str) -> Self {
        OAuthErrorBody {
            error: error.to_string(),
            description: description.to_string(),
            error_description: description.to_string(),
        }
    }
}
