//! kho-core: the pure heart of kho.
//!
//! Domain types, CKAN's validation rules and messages, the authorization rules and the
//! error type that every other crate speaks. Nothing here performs I/O, so every rule can
//! be tested without a database or a server.

pub mod authz;
pub mod dataset;
pub mod deadline;
pub mod error;
pub mod files;
pub mod fold;
pub mod format;
pub mod json;
pub mod license;
pub mod model;
pub mod params;
pub mod profile;
pub mod quality;
pub mod revise;
pub mod time;
pub mod validate;
pub mod visibility;
pub mod workdays;

pub use authz::{Actor, Capacity};
pub use error::{Error, ErrorDict, FieldErrors, Msg, Result};
