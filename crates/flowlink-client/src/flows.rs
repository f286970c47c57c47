//! Typed calls for flows, shared modules and their versions: `/api/v2/flows/**` and
//! `/api/v2/flows/flowmodules/**`, with listings paged to the end.

use futures::stream::{self, StreamExt, TryStreamExt};
use reqwest::Method;
use serde_json::Value;

use flowlink_api::{EntityListing, Flow, FlowVersion, FlowWrite, Organization};

use crate::client::Client;
use crate::error::ClientError;
use crate::query::FlowQuery;

/// Pages fetched at once once the page count is known.
const PAGES_IN_FLIGHT: usize = 4;

/// The collection a flow call goes to: all flows, or seed 000's module path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    /// `/api/v2/flows`.
    Flows,
    /// `/api/v2/flows/flowmodules` (only `commonmodule` flows).
    Modules,
}

impl Collection {
    fn path(self) -> &'static str {
        match self {
            Collection::Flows => "api/v2/flows",
            Collection::Modules => "api/v2/flows/flowmodules",
        }
    }
}

pub(crate) fn seg(id: &str) -> String {
    // Ids are UUIDs; encoding keeps a stray `/` or `?` in user input from changing the route.
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Client {
    /// One page of a flow listing.
    pub async fn list_page(
        &self,
        coll: Collection,
        query: &FlowQuery,
        page_number: u32,
    ) -> Result<EntityListing<Flow>, ClientError> {
        let mut url = self.url(coll.path())?;
        query.apply(&mut url, page_number);
        self.json(Method::GET, url, None::<&()>).await
    }

    /// Every flow the query matches, all pages. The page count comes from the first page
    /// (`pageCount`, or `nextUri` when a server leaves `pageCount` out); the rest are fetched a
    /// few at a time with the same filters (the listing's own URIs drop the filters, like the
    /// real API's, so they are not followed literally).
    pub async fn list_all(
        &self,
        coll: Collection,
        query: &FlowQuery,
    ) -> Result<Vec<Flow>, ClientError> {
        let first = self.list_page(coll, query, 1).await?;
        let mut all = first.entities;
        if first.page_count > 1 {
            let last = u32::try_from(first.page_count).unwrap_or(u32::MAX);
            let pages: Vec<Vec<Flow>> = stream::iter(2..=last)
                .map(|n| async move { self.list_page(coll, query, n).await.map(|l| l.entities) })
                .buffered(PAGES_IN_FLIGHT)
                .try_collect()
                .await?;
            all.extend(pages.into_iter().flatten());
        } else if first.page_count <= 0 && first.next_uri.is_some() && !all.is_empty() {
            let mut n = 2;
            loop {
                let page = self.list_page(coll, query, n).await?;
                let more = page.next_uri.is_some() && !page.entities.is_empty();
                all.extend(page.entities);
                if !more {
                    break;
                }
                n += 1;
            }
        }
        Ok(all)
    }

    /// `GET /api/v2/flows` paged to the end.
    pub async fn list_flows(&self, query: &FlowQuery) -> Result<Vec<Flow>, ClientError> {
        self.list_all(Collection::Flows, query).await
    }

    /// `GET /api/v2/flows/flowmodules` paged to the end.
    pub async fn list_modules(&self, query: &FlowQuery) -> Result<Vec<Flow>, ClientError> {
        self.list_all(Collection::Modules, query).await
    }

    /// `GET /api/v2/flows/{id}` (or the module path).
    pub async fn get_in(&self, coll: Collection, id: &str) -> Result<Flow, ClientError> {
        let url = self.url(&format!("{}/{}", coll.path(), seg(id)))?;
        self.json(Method::GET, url, None::<&()>).await
    }

    /// `POST /api/v2/flows` (or the module path). Answers the created flow.
    pub async fn create_in(&self, coll: Collection, body: &FlowWrite) -> Result<Flow, ClientError> {
        let url = self.url(coll.path())?;
        self.json(Method::POST, url, Some(body)).await
    }

    /// `PUT /api/v2/flows/{id}` (or the module path). With `body.version` set the server refuses
    /// a stale write with 409; without it the write is unconditional.
    pub async fn put_in(
        &self,
        coll: Collection,
        id: &str,
        body: &FlowWrite,
    ) -> Result<Flow, ClientError> {
        self.put_in_as(coll, id, body).await
    }

    /// [`Client::put_in`] decoding the answer as `T` (a part of the flow).
    pub(crate) async fn put_in_as<T: serde::de::DeserializeOwned>(
        &self,
        coll: Collection,
        id: &str,
        body: &FlowWrite,
    ) -> Result<T, ClientError> {
        let url = self.url(&format!("{}/{}", coll.path(), seg(id)))?;
        self.json(Method::PUT, url, Some(body)).await
    }

    /// `DELETE /api/v2/flows/{id}` (or the module path).
    pub async fn delete_in(&self, coll: Collection, id: &str) -> Result<(), ClientError> {
        let url = self.url(&format!("{}/{}", coll.path(), seg(id)))?;
        self.execute(Method::DELETE, url, None).await.map(|_| ())
    }

    /// `GET /api/v2/flows/{id}`.
    pub async fn get_flow(&self, id: &str) -> Result<Flow, ClientError> {
        self.get_in(Collection::Flows, id).await
    }

    /// `POST /api/v2/flows`.
    pub async fn create_flow(&self, body: &FlowWrite) -> Result<Flow, ClientError> {
        self.create_in(Collection::Flows, body).await
    }

    /// `PUT /api/v2/flows/{id}`.
    pub async fn put_flow(&self, id: &str, body: &FlowWrite) -> Result<Flow, ClientError> {
        self.put_in(Collection::Flows, id, body).await
    }

    /// `DELETE /api/v2/flows/{id}`.
    pub async fn delete_flow(&self, id: &str) -> Result<(), ClientError> {
        self.delete_in(Collection::Flows, id).await
    }

    /// `GET /api/v2/flows/flowmodules/{id}`.
    pub async fn get_module(&self, id: &str) -> Result<Flow, ClientError> {
        self.get_in(Collection::Modules, id).await
    }

    /// `POST /api/v2/flows/flowmodules`.
    pub async fn create_module_raw(&self, body: &FlowWrite) -> Result<Flow, ClientError> {
        self.create_in(Collection::Modules, body).await
    }

    /// `PUT /api/v2/flows/flowmodules/{id}`.
    pub async fn put_module(&self, id: &str, body: &FlowWrite) -> Result<Flow, ClientError> {
        self.put_in(Collection::Modules, id, body).await
    }

    /// `DELETE /api/v2/flows/flowmodules/{id}`.
    pub async fn delete_module(&self, id: &str) -> Result<(), ClientError> {
        self.delete_in(Collection::Modules, id).await
    }

    /// `GET /api/v2/flows/{id}/versions`, all pages.
    pub async fn list_versions(&self, flow_id: &str) -> Result<Vec<FlowVersion>, ClientError> {
        let mut all = Vec::new();
        let mut n = 1u32;
        loop {
            let mut url = self.url(&format!("api/v2/flows/{}/versions", seg(flow_id)))?;
            url.query_pairs_mut()
                .append_pair("pageSize", "100")
                .append_pair("pageNumber", &n.to_string());
            let page: EntityListing<FlowVersion> = self.json(Method::GET, url, None::<&()>).await?;
            let done = i64::from(n) >= page.page_count || page.entities.is_empty();
            all.extend(page.entities);
            if done {
                return Ok(all);
            }
            n += 1;
        }
    }

    /// `GET /api/v2/flows/{id}/versions/{versionId}` (`versionId` like `"2.0"`).
    pub async fn get_version(
        &self,
        flow_id: &str,
        version_id: &str,
    ) -> Result<FlowVersion, ClientError> {
        let url = self.url(&format!(
            "api/v2/flows/{}/versions/{}",
            seg(flow_id),
            seg(version_id)
        ))?;
        self.json(Method::GET, url, None::<&()>).await
    }

    /// `GET /api/v2/flows/{id}/versions/{versionId}/configuration`.
    pub async fn get_version_configuration(
        &self,
        flow_id: &str,
        version_id: &str,
    ) -> Result<Value, ClientError> {
        let url = self.url(&format!(
            "api/v2/flows/{}/versions/{}/configuration",
            seg(flow_id),
            seg(version_id)
        ))?;
        self.json(Method::GET, url, None::<&()>).await
    }

    /// `GET /api/v2/flows/{id}/latestconfiguration`.
    pub async fn latest_configuration(&self, flow_id: &str) -> Result<Value, ClientError> {
        let url = self.url(&format!(
            "api/v2/flows/{}/latestconfiguration",
            seg(flow_id)
        ))?;
        self.json(Method::GET, url, None::<&()>).await
    }

    /// `GET /api/v2/organizations/me`.
    pub async fn organization(&self) -> Result<Organization, ClientError> {
        let url = self.url("api/v2/organizations/me")?;
        self.json(Method::GET, url, None::<&()>).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(seg("2f1c-AB.0"), "2f1c-AB.0");
        assert_eq!(seg("a/b?c"), "a%2Fb%3Fc");
    }
}
