//! Archy calls modules by NAME (`callCommonModule: {commonModule: {<Module Name>: ...}}`), the
//! JSON dialects by id. This module binds names to the organization's module ids: at write
//! time (so by-name calls enter the dependency index exactly like by-id calls) and again at
//! launch (a simulated call runs the module that has that name now).

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use flowlink_api::FlowType;
use flowlink_model::FlowLogic;
use flowlink_store::{FlowQuery, FlowRecord, PageRequest, Store, StoreError};
use uuid::Uuid;

/// Page size used to read the organization's modules.
const PAGE: u32 = 500;

/// Module names looked up in the organization: lowercased name → id, or `None` for a name
/// with no live module (names are unique per type, ignoring case).
#[derive(Debug, Clone, Default)]
pub struct ModuleNames(HashMap<String, Option<Uuid>>);

impl ModuleNames {
    /// Looks up `names` (those not looked up yet), one query each: cheaper than [`Self::load`]
    /// when a file calls a few modules of an organization with many.
    pub async fn ensure(
        &mut self,
        store: &dyn Store,
        org: Uuid,
        names: impl IntoIterator<Item = String>,
    ) -> Result<(), StoreError> {
        for name in names {
            if let Entry::Vacant(slot) = self.0.entry(name.to_lowercase()) {
                let found = find_by_name(store, org, FlowType::CommonModule, &name).await?;
                slot.insert(found.map(|f| f.id));
            }
        }
        Ok(())
    }

    /// Looks up every module `logic` calls by name and has not bound yet.
    pub async fn for_logic(
        store: &dyn Store,
        org: Uuid,
        logic: &FlowLogic,
    ) -> Result<Self, StoreError> {
        let mut names = ModuleNames::default();
        names
            .ensure(store, org, logic.unbound_module_names())
            .await?;
        Ok(names)
    }

    /// Reads every live module of `org` (for edits that cannot look up on demand).
    pub async fn load(store: &dyn Store, org: Uuid) -> Result<Self, StoreError> {
        let mut map = HashMap::new();
        for number in 1.. {
            let query = FlowQuery {
                types: vec![FlowType::CommonModule],
                page: PageRequest { number, size: PAGE },
                ..Default::default()
            };
            let page = store.list_flows(org, &query).await?;
            let got = page.items.len();
            map.extend(
                page.items
                    .into_iter()
                    .map(|f| (f.name.to_lowercase(), Some(f.id))),
            );
            if got < PAGE as usize {
                break;
            }
        }
        Ok(ModuleNames(map))
    }

    /// The id of the module named `name` (ignoring case).
    pub fn get(&self, name: &str) -> Option<Uuid> {
        self.0.get(&name.to_lowercase()).copied().flatten()
    }

    /// Remembers a module created after loading (an import's stub).
    pub fn insert(&mut self, name: &str, id: Uuid) {
        self.0.insert(name.to_lowercase(), Some(id));
    }

    /// Binds every by-name call of `logic`; `Err` lists the names with no module.
    pub fn bind(&self, logic: &mut FlowLogic) -> Result<(), Vec<String>> {
        logic.bind_module_names(|name| self.get(name).map(|id| id.to_string()))
    }
}

/// Binds `logic`'s by-name calls for a simulated call: a name with no module binds to the name
/// itself, which no module id equals, so the call fails at run time saying the module does not
/// exist (never silently skipped).
pub fn bind_for_launch(names: &ModuleNames, logic: &mut FlowLogic) {
    let _ = logic.bind_module_names(|name| {
        Some(
            names
                .get(name)
                .map_or_else(|| format!("'{name}'"), |id| id.to_string()),
        )
    });
}

/// The live flow of `flow_type` named `name` (ignoring case), if any.
pub async fn find_by_name(
    store: &dyn Store,
    org: Uuid,
    flow_type: FlowType,
    name: &str,
) -> Result<Option<FlowRecord>, StoreError> {
    let wanted = name.to_lowercase();
    // The name filter is "contains" with `*` as a wildcard: a superset, narrowed here.
    let pattern = name.replace('*', "");
    for number in 1.. {
        let query = FlowQuery {
            types: vec![flow_type],
            name: (!pattern.is_empty()).then(|| pattern.clone()),
            page: PageRequest { number, size: 500 },
            ..Default::default()
        };
        let page = store.list_flows(org, &query).await?;
        let got = page.items.len();
        if let Some(found) = page
            .items
            .into_iter()
            .find(|f| f.name.to_lowercase() == wanted)
        {
            return Ok(Some(found));
        }
        if got < 500 {
            break;
        }
    }
    Ok(None)
}
