//! Where the CLI connects and with which credentials: flags / `GENESYS_*` environment first
//! (the seeds' names), else the credentials file `flowlink serve` wrote in the data dir.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

use flowlink_client::Client;

use crate::cli::Global;

/// The local server's default address.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8080";

/// Name of the credentials file in the data dir.
pub const CREDENTIALS_FILE: &str = "credentials.json";

/// The bootstrap client's credentials as `flowlink serve` stores them (mode 0600).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    /// The organization the client belongs to.
    #[serde(default, alias = "org_id", skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    /// OAuth client id.
    #[serde(alias = "client_id")]
    pub client_id: String,
    /// OAuth client secret.
    #[serde(alias = "client_secret")]
    pub client_secret: String,
    /// Where the server that wrote it listens, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Path of the credentials file in `dir`.
pub fn credentials_path(dir: &Path) -> PathBuf {
    dir.join(CREDENTIALS_FILE)
}

/// Reads the credentials file in `dir`, if there is one.
pub fn read_credentials(dir: &Path) -> anyhow::Result<Option<Credentials>> {
    let path = credentials_path(dir);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .with_context(|| format!("cannot read credentials file {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes the credentials file in `dir`, readable by the owner only.
pub fn write_credentials(dir: &Path, creds: &Credentials) -> anyhow::Result<PathBuf> {
    use std::io::Write;
    let path = credentials_path(dir);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(&path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        // `mode` only applies when the file is created; tighten an existing one too.
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    let mut text = serde_json::to_string_pretty(creds)?;
    text.push('\n');
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(path)
}

/// The client the API commands use.
pub fn client(g: &Global) -> anyhow::Result<Client> {
    let file = if g.client_id.is_none() || g.client_secret.is_none() || g.url.is_none() {
        read_credentials(&g.data_dir)?
    } else {
        None
    };
    let (id, secret) = match (&g.client_id, &g.client_secret, &file) {
        (Some(id), Some(secret), _) => (id.clone(), secret.clone()),
        (None, None, Some(c)) => (c.client_id.clone(), c.client_secret.clone()),
        (Some(_), None, _) | (None, Some(_), _) => {
            bail!("set both GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET (or neither, to use the local server's credentials file)")
        }
        (None, None, None) => bail!(
            "no credentials: set GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET, or start the local server with `flowlink serve --data-dir {}` (it writes {})",
            g.data_dir.display(),
            credentials_path(&g.data_dir).display()
        ),
    };
    let url = g
        .url
        .clone()
        .or_else(|| file.as_ref().and_then(|c| c.url.clone()))
        .unwrap_or_else(|| DEFAULT_URL.to_string());
    Ok(Client::new(&url, id, secret)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_file_round_trips_with_owner_only_mode() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_credentials(dir.path()).unwrap().is_none());
        let c = Credentials {
            org_id: Some("o".into()),
            client_id: "id".into(),
            client_secret: "s".into(),
            url: Some("http://127.0.0.1:9".into()),
        };
        let path = write_credentials(dir.path(), &c).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let back = read_credentials(dir.path()).unwrap().unwrap();
        assert_eq!(
            (back.client_id.as_str(), back.client_secret.as_str()),
            ("id", "s")
        );
        std::fs::write(&path, r#"{"client_id":"a","client_secret":"b"}"#).unwrap();
        assert_eq!(
            read_credentials(dir.path()).unwrap().unwrap().client_id,
            "a"
        );
    }
}
