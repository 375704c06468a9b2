//! Action name → handler, with what the HTTP layer and the OpenAPI document need to know.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use kho_core::Result;
use serde_json::Value;

use crate::{Catalog, Ctx, Output, Params};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
pub type Handler = for<'a> fn(&'a Catalog, &'a Ctx, Params) -> BoxFuture<'a, Result<Value>>;
pub type OutputHandler = for<'a> fn(&'a Catalog, &'a Ctx, Params) -> BoxFuture<'a, Result<Output>>;

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
    /// The same action answering an [`Output`] that is serialized without first becoming
    /// a `Value` (`package_show`, whose dict of 1,000 resources is costly to build as
    /// one); `None`: `handler`'s `Value`.
    pub output: Option<OutputHandler>,
}

#[derive(Default)]
pub struct Registry {
    actions: BTreeMap<&'static str, ActionDef>,
}

impl Registry {
    pub fn add(&mut self, def: ActionDef) {
        self.actions.insert(def.name, def);
    }

    /// Give the action `name` an [`OutputHandler`] (see [`ActionDef::output`]).
    pub fn set_output(&mut self, name: &str, output: OutputHandler) {
        if let Some(def) = self.actions.get_mut(name) {
            def.output = Some(output);
        }
    }

    pub fn get(&self, name: &str) -> Option<&ActionDef> {
        self.actions.get(name)
    }

    /// Every action, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = &ActionDef> {
        self.actions.values()
    }
}
