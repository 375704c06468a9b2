//! Action name → handler, with what the HTTP layer and the OpenAPI document need to know.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use kho_core::Result;
use serde_json::Value;

use crate::{Catalog, Ctx, Params};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
pub type Handler = for<'a> fn(&'a Catalog, &'a Ctx, Params) -> BoxFuture<'a, Result<Value>>;

/// One documented parameter of an action.
#[derive(Debug, Clone, Copy)]
pub struct ParamDoc {
    pub name: &'static str,
    /// JSON type: `string`, `boolean`, `integer`, `array`, `object`.
    pub ty: &'static str,
    pub required: bool,
    pub doc: &'static str,
}

pub struct ActionDef {
    pub name: &'static str,
    /// Callable with GET (CKAN's `side_effect_free`).
    pub side_effect_free: bool,
    /// The docstring `help_show` returns.
    pub doc: &'static str,
    pub params: &'static [ParamDoc],
    /// A JSON-Schema-like description of the result, for the OpenAPI document.
    pub result: &'static str,
    pub handler: Handler,
}

#[derive(Default)]
pub struct Registry {
    actions: BTreeMap<&'static str, ActionDef>,
}

impl Registry {
    pub fn add(&mut self, def: ActionDef) {
        self.actions.insert(def.name, def);
    }

    pub fn get(&self, name: &str) -> Option<&ActionDef> {
        self.actions.get(name)
    }

    /// Every action, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = &ActionDef> {
        self.actions.values()
    }
}
