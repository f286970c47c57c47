//! The publishing lifecycle (`/api/v2/flows/actions/{checkout,checkin,publish,revert,unlock,
//! deactivate}`) and Architect dependency tracking (`/api/v2/architect/dependencytracking/**`),
//! with listings paged to the end, plus [`Client::publish_impact`]: who a module publish
//! reaches (floating callers) and who stays behind (pinned callers).

use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use serde::Serialize;

use flowlink_api::{
    Dependency, DependencyObject, DependencyStatus, EntityListing, Flow, FlowType, Operation,
};

use crate::client::Client;
use crate::error::ClientError;

/// Largest page the server serves; dependency listings are fetched in pages this big.
const PAGE_SIZE: u32 = 500;

const DEPS: &str = "api/v2/architect/dependencytracking";

/// Which consumer versions a consumer listing counts (`flowFilter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FlowFilter {
    /// Every current version: published, checked in or draft (no `flowFilter`).
    #[default]
    Current,
    /// Only published versions (what runs today).
    Published,
    /// Only checked-in versions.
    CheckedIn,
}

impl FlowFilter {
    fn param(self) -> Option<&'static str> {
        match self {
            FlowFilter::Current => None,
            FlowFilter::Published => Some("published"),
            FlowFilter::CheckedIn => Some("checkedIn"),
        }
    }
}

/// What publishing a module would change, from the published consumers' point of view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishImpact {
    /// The module as it is now.
    pub module: Flow,
    /// The version a publish would make live (`"3.0"`).
    pub version_to_publish: Option<String>,
    /// Published flows whose call floats: they run the new logic on their next call.
    pub floating: Vec<Dependency>,
    /// Published flows pinned to a version: they keep running their pinned version.
    pub pinned: Vec<Dependency>,
}

fn version_id(n: u32) -> String {
    format!("{n}.0")
}

impl Client {
    async fn action<T: DeserializeOwned>(
        &self,
        action: &str,
        flow_id: &str,
        version: Option<u32>,
    ) -> Result<T, ClientError> {
        let mut url = self.url(&format!("api/v2/flows/actions/{action}"))?;
        url.query_pairs_mut().append_pair("flow", flow_id);
        if let Some(v) = version {
            url.query_pairs_mut().append_pair("version", &version_id(v));
        }
        self.json(Method::POST, url, None::<&()>).await
    }

    /// Locks the flow to this client; its logic writes become drafts until publish/checkin.
    pub async fn checkout(&self, flow_id: &str) -> Result<Flow, ClientError> {
        self.action("checkout", flow_id, None).await
    }

    /// Checks the draft in (unpublished) and releases the lock.
    pub async fn checkin(&self, flow_id: &str) -> Result<Operation, ClientError> {
        self.action("checkin", flow_id, None).await
    }

    /// Publishes the draft (or checked-in version, or `version`) and releases the lock.
    pub async fn publish(
        &self,
        flow_id: &str,
        version: Option<u32>,
    ) -> Result<Operation, ClientError> {
        self.action("publish", flow_id, version).await
    }

    /// Drops the draft and releases the lock.
    pub async fn revert(&self, flow_id: &str) -> Result<Flow, ClientError> {
        self.action("revert", flow_id, None).await
    }

    /// Force-releases the lock (needs the admin scope).
    pub async fn unlock(&self, flow_id: &str) -> Result<Flow, ClientError> {
        self.action("unlock", flow_id, None).await
    }

    /// Deactivates the flow: executions of it, and module calls into it, fail.
    pub async fn deactivate(&self, flow_id: &str) -> Result<Flow, ClientError> {
        self.action("deactivate", flow_id, None).await
    }

    /// Every page of a dependency listing at `url` (its own query kept).
    async fn all_pages<T: DeserializeOwned>(&self, url: Url) -> Result<Vec<T>, ClientError> {
        let mut out = Vec::new();
        let mut page = 1u32;
        loop {
            let mut u = url.clone();
            u.query_pairs_mut()
                .append_pair("pageSize", &PAGE_SIZE.to_string())
                .append_pair("pageNumber", &page.to_string());
            let listing: EntityListing<T> = self.json(Method::GET, u, None::<&()>).await?;
            let n = listing.entities.len();
            out.extend(listing.entities);
            if n == 0 || i64::from(page) >= listing.page_count {
                return Ok(out);
            }
            page += 1;
        }
    }

    /// Every flow version calling `module_id` (`consumingresources`, all pages).
    pub async fn consuming_resources(
        &self,
        module_id: &str,
        filter: FlowFilter,
    ) -> Result<Vec<Dependency>, ClientError> {
        let mut url = self.url(&format!("{DEPS}/consumingresources"))?;
        url.query_pairs_mut()
            .append_pair("id", module_id)
            .append_pair(
                "objectType",
                &FlowType::CommonModule.dependency_object_type(),
            );
        if let Some(f) = filter.param() {
            url.query_pairs_mut().append_pair("flowFilter", f);
        }
        self.all_pages(url).await
    }

    /// The modules one version of a flow calls (`consumedresources`, all pages).
    pub async fn consumed_resources(
        &self,
        flow_id: &str,
        flow_type: FlowType,
        version: u32,
    ) -> Result<Vec<Dependency>, ClientError> {
        let mut url = self.url(&format!("{DEPS}/consumedresources"))?;
        url.query_pairs_mut()
            .append_pair("id", flow_id)
            .append_pair("version", &version_id(version))
            .append_pair("objectType", &flow_type.dependency_object_type());
        self.all_pages(url).await
    }

    /// Every flow whose name matches `name` (`*` wildcards) as a dependency object with the
    /// modules its published (else current) version calls — the organization's call graph
    /// with `name = "*"`.
    pub async fn dependency_objects(
        &self,
        name: &str,
    ) -> Result<Vec<DependencyObject>, ClientError> {
        let mut url = self.url(DEPS)?;
        url.query_pairs_mut()
            .append_pair("name", name)
            .append_pair("consumedResources", "true");
        self.all_pages(url).await
    }

    /// Flow versions pinned to an older version than their module's published one.
    pub async fn updated_resource_consumers(&self) -> Result<Vec<DependencyObject>, ClientError> {
        let mut url = self.url(&format!("{DEPS}/updatedresourceconsumers"))?;
        url.query_pairs_mut()
            .append_pair("consumedResources", "true");
        self.all_pages(url).await
    }

    /// The state of the dependency index (flowlink's is always `OPERATIONAL`).
    pub async fn dependency_build_status(&self) -> Result<DependencyStatus, ClientError> {
        let url = self.url(&format!("{DEPS}/build"))?;
        self.json(Method::GET, url, None::<&()>).await
    }

    /// Who publishing `module` would reach: published callers that float (they run the new
    /// logic on their next call) and those pinned to a version (they stay on it).
    pub async fn publish_impact(&self, module: &Flow) -> Result<PublishImpact, ClientError> {
        let id = module.id.clone().unwrap_or_default();
        let consumers = self.consuming_resources(&id, FlowFilter::Published).await?;
        let (floating, pinned) = consumers
            .into_iter()
            .partition(|d| d.floating.unwrap_or(d.pinned_version.is_none()));
        let current = module
            .saved_version
            .as_ref()
            .or(module.checked_in_version.as_ref())
            .or(module.published_version.as_ref())
            .and_then(|v| v.id.clone());
        Ok(PublishImpact {
            module: module.clone(),
            version_to_publish: current,
            floating,
            pinned,
        })
    }
}
