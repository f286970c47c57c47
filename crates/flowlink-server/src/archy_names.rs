//! Archy calls modules by NAME (`callCommonModule: {commonModule: {<Module Name>: ...}}`), the
//! JSON dialects by id. This module binds names to the organization's module ids: at write
//! time (so by-name calls enter the dependency index exactly like by-id calls) and again at
//! launch (a simulated call runs the module that has that name now).

use std::collections::HashMap;

use flowlink_api::FlowType;
use flowlink_model::FlowLogic;
use flowlink_store::{FlowQuery, PageRequest, Store, StoreError};
use uuid::Uuid;

/// Page size used to read the organization's modules.
const PAGE: u32 = 500;

/// The organization's live modules: lowercased name → id (names are unique per type, ignoring
/// case).
#[derive(Debug, Clone, Default)]
pub struct ModuleNames(HashMap<String, Uuid>);

impl ModuleNames {
    /// Reads every live module of `org`.
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
                    .map(|f| (f.name.to_lowercase(), f.id)),
            );
            if got < PAGE as usize {
                break;
            }
        }
        Ok(ModuleNames(map))
    }

    /// The id of the module named `name` (ignoring case).
    pub fn get(&self, name: &str) -> Option<Uuid> {
        self.0.get(&name.to_lowercase()).copied()
    }

    /// Remembers a module created after loading (an import's stub).
    pub fn insert(&mut self, name: &str, id: Uuid) {
        self.0.insert(name.to_lowercase(), id);
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
