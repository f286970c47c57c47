//! Filters for `GET /api/v2/flows` (and the modules listing), rendered as the Genesys query
//! parameters.

use flowlink_api::FlowType;
use reqwest::Url;

/// Which flows to list. Empty fields are not sent. Like the SDKs, list parameters go as one
/// comma-joined key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlowQuery {
    /// `type`: any of these flow types.
    pub types: Vec<FlowType>,
    /// `name`: substring match, case-insensitive.
    pub name: Option<String>,
    /// `nameOrDescription`.
    pub name_or_description: Option<String>,
    /// `active` (seed 001's filter).
    pub active: Option<bool>,
    /// `deleted`: include soft-deleted flows.
    pub deleted: Option<bool>,
    /// `id`: only these flows (the server then ignores the other filters).
    pub ids: Vec<String>,
    /// `sortBy`.
    pub sort_by: Option<String>,
    /// `sortOrder` (`asc`/`desc`).
    pub sort_order: Option<String>,
    /// Page size used while paging; `None` → [`FlowQuery::DEFAULT_PAGE_SIZE`].
    pub page_size: Option<u32>,
}

impl FlowQuery {
    /// Page size used when paging to the end.
    pub const DEFAULT_PAGE_SIZE: u32 = 100;

    /// A query for flows of one type.
    pub fn of_type(t: FlowType) -> Self {
        FlowQuery {
            types: vec![t],
            ..Default::default()
        }
    }

    /// Appends the filters and the given page to `url`.
    pub fn apply(&self, url: &mut Url, page_number: u32) {
        let mut q = url.query_pairs_mut();
        if !self.types.is_empty() {
            let t: Vec<String> = self.types.iter().map(|t| t.as_lower()).collect();
            q.append_pair("type", &t.join(","));
        }
        if let Some(n) = &self.name {
            q.append_pair("name", n);
        }
        if let Some(n) = &self.name_or_description {
            q.append_pair("nameOrDescription", n);
        }
        if let Some(a) = self.active {
            q.append_pair("active", if a { "true" } else { "false" });
        }
        if let Some(d) = self.deleted {
            q.append_pair("deleted", if d { "true" } else { "false" });
        }
        if !self.ids.is_empty() {
            q.append_pair("id", &self.ids.join(","));
        }
        if let Some(s) = &self.sort_by {
            q.append_pair("sortBy", s);
        }
        if let Some(s) = &self.sort_order {
            q.append_pair("sortOrder", s);
        }
        q.append_pair(
            "pageSize",
            &self
                .page_size
                .unwrap_or(Self::DEFAULT_PAGE_SIZE)
                .to_string(),
        );
        q.append_pair("pageNumber", &page_number.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_genesys_parameters() {
        let q = FlowQuery {
            types: vec![FlowType::InboundCall, FlowType::CommonModule],
            name: Some("Main IVR".into()),
            active: Some(true),
            ids: vec!["a".into(), "b".into()],
            page_size: Some(2),
            ..Default::default()
        };
        let mut url = Url::parse("http://h/api/v2/flows").unwrap();
        q.apply(&mut url, 3);
        assert_eq!(
            url.query(),
            Some("type=inboundcall%2Ccommonmodule&name=Main+IVR&active=true&id=a%2Cb&pageSize=2&pageNumber=3")
        );
    }
}
