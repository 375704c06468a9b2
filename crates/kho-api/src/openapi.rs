//! The OpenAPI 3 document of every action, built and rendered by poem-openapi.
//!
//! Actions are registered at run time (a [`Registry`] of [`ActionDef`]s), not declared with
//! `#[OpenApi]`, so the operations are built as poem-openapi metadata (`MetaApi`,
//! `MetaOperation`, …) and handed to an [`OpenApiService`] through [`ActionsApi`], whose
//! [`OpenApi::meta`] returns them. The entity schemas (user, group, member, …) and the
//! envelopes are `#[derive(Object)]` types; poem-openapi renders the whole document.
//!
//! Each action `x` is `POST /api/3/action/x` with a JSON body of its parameters and, when
//! side-effect free, `GET /api/3/action/x?…` with query parameters. The output is
//! deterministic (paths sorted by action name, schemas sorted by name), pretty-printed,
//! with a trailing newline; `openapi/kho.json` is `kho openapi` for the default site URL.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use kho_catalog::{ActionDef, ParamDoc, Registry};
use poem::endpoint::BoxEndpoint;
use poem::http::Method;
use poem::{handler, web::Data, Response};
use poem_openapi::registry::{
    MetaApi, MetaMediaType, MetaOperation, MetaOperationParam, MetaParamIn, MetaPath, MetaRequest,
    MetaResponse, MetaResponses, MetaSchema, MetaSchemaRef, MetaSecurityScheme, MetaTag,
    Registry as Schemas,
};
use poem_openapi::types::Type;
use poem_openapi::{OpenApi, OpenApiService};
use serde_json::Value;

/// The document served at `/api/openapi.json` for a running catalogue.
pub fn spec_json(registry: &Registry, site_url: &str) -> String {
    render(registry, site_url)
}

/// The whole document, as `kho openapi` prints it (the actions of this build; no database).
pub fn document(site_url: &str) -> String {
    render(&kho_catalog::action_registry(), site_url)
}

#[handler]
pub fn serve_spec(Data(spec): Data<&Arc<String>>) -> Response {
    Response::builder()
        .content_type("application/json;charset=utf-8")
        .body(spec.as_str().to_string())
}

/// Swagger UI (poem-openapi's bundled copy, no CDN) reading `openapi.json` next to it.
#[handler]
pub fn serve_ui() -> Response {
    Response::builder()
        .content_type("text/html;charset=utf-8")
        .body(ui_html())
}

/// poem-openapi's Swagger UI page, pointed at `openapi.json` relative to `/api/docs` rather
/// than at a copy of the document inlined into the page.
pub fn ui_html() -> &'static str {
    static HTML: OnceLock<String> = OnceLock::new();
    HTML.get_or_init(|| {
        let page =
            OpenApiService::new(ActionsApi, TITLE, env!("CARGO_PKG_VERSION")).swagger_ui_html();
        page.replacen("spec: spec,", "url: 'openapi.json',", 1)
            .replacen("<title>Swagger UI</title>", "<title>kho API</title>", 1)
    })
}

const TITLE: &str = "kho";

const DESCRIPTION: &str = "\
kho answers CKAN's Action API (2.12): every action is `/api/3/action/{name}` \
(also `/api/action/{name}`). Parameters go in a JSON object body (`POST`), or, for \
side-effect-free actions, in the query string (`GET`; repeat a parameter for a list). \
Form bodies are accepted as CKAN accepts them.\n\n\
Every answer is the CKAN envelope: `{\"help\": \"…/api/3/action/help_show?name=…\", \
\"success\": true, \"result\": …}` with status 200, or `{\"help\": …, \"success\": false, \
\"error\": {\"__type\": …, \"message\": …}}` with 403 (Authorization Error), 404 (Not Found \
Error), 409 (Validation Error: one key per invalid field, each a list of messages), 400 \
(Integrity Error) or 500. Requests CKAN rejects before running an action (unknown action, \
malformed JSON, `GET` on a write action) get 400 with a bare JSON string.\n\n\
Authenticate with an API token (from `api_token_create` or `kho token create`) as the raw \
value of the `Authorization` header (a `Bearer ` prefix is accepted); CKAN's legacy \
`X-CKAN-API-Key` header works too. Without a token the call is anonymous. Messages follow \
`Accept-Language` or `?lang=` (`en`, `vi`).";

// ---------------------------------------------------------------- rendering

/// What [`ActionsApi`] hands poem-openapi for the document being rendered on this thread.
#[derive(Default)]
struct Pending {
    apis: Vec<MetaApi>,
    schemas: BTreeMap<String, MetaSchema>,
    tags: BTreeSet<&'static str>,
}

thread_local! {
    static PENDING: RefCell<Pending> = RefCell::new(Pending::default());
}

/// The actions as a poem-openapi API. Its metadata is built per document (the registry is
/// only known at run time) and passed through [`PENDING`] for the duration of one
/// `OpenApiService::spec` call on the current thread.
struct ActionsApi;

impl OpenApi for ActionsApi {
    fn meta() -> Vec<MetaApi> {
        PENDING.with(|p| std::mem::take(&mut p.borrow_mut().apis))
    }

    fn register(registry: &mut Schemas) {
        schema::register(registry);
        let (schemas, tags) = PENDING.with(|p| {
            let mut p = p.borrow_mut();
            (std::mem::take(&mut p.schemas), std::mem::take(&mut p.tags))
        });
        registry.schemas.extend(schemas);
        for name in tags {
            registry.create_tag(MetaTag {
                name,
                description: tag_description(name),
                external_docs: None,
            });
        }
        registry.create_security_scheme(
            "ApiToken",
            MetaSecurityScheme {
                ty: "apiKey",
                description: Some(
                    "An API token, the raw value of the `Authorization` header (CKAN sends no \
                     prefix; `Bearer ` is also accepted).",
                ),
                name: Some("Authorization"),
                key_in: Some("header"),
                scheme: None,
                bearer_format: None,
                flows: None,
                openid_connect_url: None,
            },
        );
        registry.create_security_scheme(
            "CkanApiKey",
            MetaSecurityScheme {
                ty: "apiKey",
                description: Some(
                    "The same API token in CKAN's legacy header (ckanapi sends both).",
                ),
                name: Some("X-CKAN-API-Key"),
                key_in: Some("header"),
                scheme: None,
                bearer_format: None,
                flows: None,
                openid_connect_url: None,
            },
        );
    }

    fn add_routes(self, _routes: &mut HashMap<String, HashMap<Method, BoxEndpoint<'static>>>) {}
}

fn render(registry: &Registry, site_url: &str) -> String {
    let mut pending = Pending::default();
    let mut paths = Vec::new();
    for def in registry.iter() {
        let tag = tag_of(def.name);
        pending.tags.insert(tag);
        let response = result_response(def, &mut pending.schemas);
        let mut operations = vec![operation(def, Method::POST, tag, &response)];
        if def.side_effect_free {
            operations.insert(0, operation(def, Method::GET, tag, &response));
        }
        paths.push(MetaPath {
            path: format!("/api/3/action/{}", def.name),
            operations,
        });
    }
    pending.apis = vec![MetaApi { paths }];
    PENDING.with(|p| *p.borrow_mut() = pending);
    let service = OpenApiService::new(ActionsApi, TITLE, env!("CARGO_PKG_VERSION"))
        .description(DESCRIPTION)
        .server(site_url);
    let mut out = service.spec();
    PENDING.with(|p| *p.borrow_mut() = Pending::default());
    out.push('\n');
    out
}

fn operation(def: &ActionDef, method: Method, tag: &'static str, response: &str) -> MetaOperation {
    let get = method == Method::GET;
    let (params, request) = if get {
        (def.params.iter().map(query_param).collect(), None)
    } else {
        (Vec::new(), Some(request_body(def.params)))
    };
    MetaOperation {
        method,
        tags: vec![tag],
        summary: Some(summary(def.doc)),
        description: Some(def.doc),
        external_docs: None,
        params,
        request,
        responses: responses(response),
        deprecated: false,
        // An API token in either header, or none (anonymous).
        security: vec![
            HashMap::from([("ApiToken", Vec::new())]),
            HashMap::from([("CkanApiKey", Vec::new())]),
            HashMap::new(),
        ],
        operation_id: Some(if get {
            intern(format!("{}_get", def.name))
        } else {
            def.name
        }),
        code_samples: Vec::new(),
    }
}

/// The first line of a docstring.
fn summary(doc: &'static str) -> &'static str {
    doc.lines().next().unwrap_or_default().trim()
}

/// `&'static str`s the poem-openapi metadata needs for text made at run time (bounded by
/// the action names).
fn intern(s: String) -> &'static str {
    static SEEN: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    match seen.get(s.as_str()) {
        Some(s) => s,
        None => {
            let s: &'static str = Box::leak(s.into_boxed_str());
            seen.insert(s);
            s
        }
    }
}

/// A parameter's schema; `described` puts its doc in the schema (request bodies) rather
/// than beside it (query parameters).
fn param_schema(p: &ParamDoc, described: bool) -> MetaSchemaRef {
    let mut s = match p.ty {
        "string" => String::schema_ref().unwrap_inline().clone(),
        "boolean" => bool::schema_ref().unwrap_inline().clone(),
        "integer" => i64::schema_ref().unwrap_inline().clone(),
        "number" => f64::schema_ref().unwrap_inline().clone(),
        "array" => MetaSchema {
            items: Some(Box::new(Value::schema_ref())),
            ..MetaSchema::new("array")
        },
        "object" => MetaSchema::new("object"),
        _ => MetaSchema::ANY,
    };
    if described && !p.doc.is_empty() {
        s.description = Some(p.doc);
    }
    MetaSchemaRef::Inline(Box::new(s))
}

fn query_param(p: &ParamDoc) -> MetaOperationParam {
    MetaOperationParam {
        name: p.name.to_string(),
        schema: param_schema(p, false),
        in_type: MetaParamIn::Query,
        description: (!p.doc.is_empty()).then(|| p.doc.to_string()),
        required: p.required,
        deprecated: false,
        explode: true,
        style: None,
    }
}

fn request_body(params: &[ParamDoc]) -> MetaRequest {
    let schema = MetaSchema {
        properties: params
            .iter()
            .map(|p| (p.name, param_schema(p, true)))
            .collect(),
        required: params
            .iter()
            .filter(|p| p.required)
            .map(|p| p.name)
            .collect(),
        ..MetaSchema::new("object")
    };
    MetaRequest {
        description: Some("The action's parameters as a JSON object."),
        content: vec![MetaMediaType {
            content_type: "application/json",
            schema: MetaSchemaRef::Inline(Box::new(schema)),
        }],
        required: params.iter().any(|p| p.required),
    }
}

fn responses(success: &str) -> MetaResponses {
    let json = |schema: MetaSchemaRef| {
        vec![MetaMediaType {
            content_type: "application/json",
            schema,
        }]
    };
    let error = || json(MetaSchemaRef::Reference("ErrorResponse".into()));
    let resp = |status: u16, description: &'static str, content: Vec<MetaMediaType>| MetaResponse {
        description,
        status: Some(status),
        status_range: None,
        content,
        headers: Vec::new(),
    };
    let bad_request = MetaSchema {
        one_of: vec![
            MetaSchemaRef::Reference("ErrorResponse".into()),
            MetaSchemaRef::Inline(Box::new(MetaSchema {
                description: Some("e.g. \"Bad request: Action name not known: x\""),
                ..MetaSchema::new("string")
            })),
        ],
        ..MetaSchema::ANY
    };
    MetaResponses {
        responses: vec![
            resp(200, "Success: the envelope with the action's `result`.", json(MetaSchemaRef::Reference(success.into()))),
            resp(
                400,
                "Bad request: an Integrity Error envelope, or (unknown action, malformed JSON, GET on \
                 a write action) a bare JSON string.",
                json(MetaSchemaRef::Inline(Box::new(bad_request))),
            ),
            resp(403, "Authorization Error: `Access denied` or `Access denied: <reason>`.", error()),
            resp(404, "Not Found Error: `Not found` or `Not found: <what>`.", error()),
            resp(409, "Validation Error: one key per invalid field, each a list of messages.", error()),
            resp(500, "Internal Server Error.", error()),
        ],
    }
}

// ---------------------------------------------------------------- tags and result types

fn tag_of(action: &str) -> &'static str {
    if action.contains("member") {
        "members"
    } else if action.starts_with("user_") {
        "users"
    } else if action.starts_with("api_token_") {
        "tokens"
    } else if action.starts_with("organization_") {
        "organizations"
    } else if action.starts_with("group_") {
        "groups"
    } else if matches!(action, "status_show" | "help_show") {
        "site"
    } else {
        "other"
    }
}

fn tag_description(tag: &str) -> Option<&'static str> {
    Some(match tag {
        "site" => "The site's status and the actions' documentation.",
        "users" => "User accounts.",
        "tokens" => "API tokens.",
        "organizations" => "Organizations: the publishers that own datasets.",
        "groups" => "Groups: thematic collections of datasets.",
        "members" => "Memberships of users, datasets and groups in organizations and groups.",
        _ => return None,
    })
}

/// Finer result types for actions whose registry tag is only `array` or `object`.
const REFINED: &[(&str, &str)] = &[
    ("api_token_create", "new_api_token"),
    ("api_token_list", "array<api_token>"),
    ("group_list", "array<group|string>"),
    ("group_list_authz", "array<group>"),
    ("member_list", "array<member_tuple>"),
    ("member_roles_list", "array<role>"),
    ("organization_list", "array<organization|string>"),
    ("organization_list_for_user", "array<organization>"),
    ("user_list", "array<user|string>"),
];

/// The name of the success envelope schema of an action, registered in `schemas`.
///
/// A result tag is a type name (`user`, `organization`, `group`, `member`, `status`,
/// `string`, `null`, `array`, `object`, …), `a|b` for either, or `array<t>`.
fn result_response(def: &ActionDef, schemas: &mut BTreeMap<String, MetaSchema>) -> String {
    let mut tag = def.result;
    if matches!(tag, "array" | "object") {
        if let Some((_, refined)) = REFINED.iter().find(|(name, _)| *name == def.name) {
            tag = refined;
        }
    }
    let name = format!("{}Response", camel(tag));
    if !schemas.contains_key(&name) {
        let mut envelope = MetaSchema {
            description: None,
            title: None,
            ..schema::registered::<schema::Envelope>()
        };
        for (prop, s) in envelope.properties.iter_mut() {
            match *prop {
                "success" => *s = pinned_bool(s, true),
                "result" => *s = result_schema(tag),
                _ => {}
            }
        }
        envelope.required = vec!["help", "success", "result"];
        schemas.insert(name.clone(), envelope);
    }
    name
}

/// `true`/`false` only, keeping the property's description.
fn pinned_bool(s: &MetaSchemaRef, value: bool) -> MetaSchemaRef {
    let mut b = s.unwrap_inline().clone();
    b.enum_items = vec![Value::Bool(value)];
    MetaSchemaRef::Inline(Box::new(b))
}

fn result_schema(tag: &str) -> MetaSchemaRef {
    let tag = tag.trim();
    if let Some(inner) = tag.strip_prefix("array<").and_then(|t| t.strip_suffix('>')) {
        return MetaSchemaRef::Inline(Box::new(MetaSchema {
            items: Some(Box::new(result_schema(inner))),
            ..MetaSchema::new("array")
        }));
    }
    if let Some(alternatives) = split_alternatives(tag) {
        return MetaSchemaRef::Inline(Box::new(MetaSchema {
            one_of: alternatives.into_iter().map(result_schema).collect(),
            ..MetaSchema::ANY
        }));
    }
    let inline = |s: MetaSchema| MetaSchemaRef::Inline(Box::new(s));
    match tag {
        "user" => schema::User::schema_ref(),
        "organization" | "group" => schema::Group::schema_ref(),
        "member" => schema::Member::schema_ref(),
        "status" => schema::Status::schema_ref(),
        "api_token" => schema::ApiToken::schema_ref(),
        "new_api_token" => schema::NewApiToken::schema_ref(),
        "role" => schema::Role::schema_ref(),
        "member_tuple" => inline(MetaSchema {
            description: Some("[id, object type, capacity]"),
            items: Some(Box::new(String::schema_ref())),
            min_items: Some(3),
            max_items: Some(3),
            ..MetaSchema::new("array")
        }),
        "string" => String::schema_ref(),
        "boolean" => bool::schema_ref(),
        "integer" => i64::schema_ref(),
        "null" => inline(MetaSchema {
            description: Some("always null"),
            nullable: true,
            ..MetaSchema::ANY
        }),
        "array" => inline(MetaSchema {
            items: Some(Box::new(Value::schema_ref())),
            ..MetaSchema::new("array")
        }),
        "object" => inline(MetaSchema::new("object")),
        _ => Value::schema_ref(),
    }
}

/// `a|b` at the top level (not inside `array<…>`), or `None`.
fn split_alternatives(tag: &str) -> Option<Vec<&str>> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in tag.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            '|' if depth == 0 => {
                parts.push(&tag[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&tag[start..]);
    (parts.len() > 1).then_some(parts)
}

/// `array<user|string>` → `ArrayOfUserOrString`, `new_api_token` → `NewApiToken`.
fn camel(tag: &str) -> String {
    let spaced = tag
        .replace('<', " of ")
        .replace('|', " or ")
        .replace(['>', '_'], " ");
    spaced
        .split_whitespace()
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

// ---------------------------------------------------------------- schemas

/// The CKAN dicts and envelopes, as poem-openapi objects (used for their schemas only).
#[allow(dead_code)]
mod schema {
    use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
    use poem_openapi::types::Type;
    use poem_openapi::{Enum, Object};
    use serde_json::Value;

    pub(super) fn register(registry: &mut Registry) {
        Envelope::register(registry);
        ErrorResponse::register(registry);
        User::register(registry);
        Group::register(registry);
        Member::register(registry);
        Status::register(registry);
        ApiToken::register(registry);
        NewApiToken::register(registry);
        Role::register(registry);
        // Besides `__type` and `message`, a Validation Error has one key per invalid field.
        if let Some(error) = registry.schemas.get_mut("Error") {
            error.additional_properties =
                Some(Box::new(MetaSchemaRef::Inline(Box::new(MetaSchema {
                    description: Some(
                        "A field's errors: a list of messages, or for a list of dicts (`extras`, \
                     `users`, …) one error dict per item",
                    ),
                    items: Some(Box::new(Value::schema_ref())),
                    ..MetaSchema::new("array")
                }))));
        }
        if let Some(error) = registry.schemas.get_mut("ErrorResponse") {
            for (prop, s) in error.properties.iter_mut() {
                if *prop == "success" {
                    *s = super::pinned_bool(s, false);
                }
            }
        }
    }

    /// The schema poem-openapi registers for `T`.
    pub(super) fn registered<T: Type>() -> MetaSchema {
        Registry::new().create_fake_schema::<T>()
    }

    /// CKAN's success envelope.
    #[derive(Object)]
    pub struct Envelope {
        /// The URL of `help_show` for this action.
        help: String,
        /// Always `true`.
        success: bool,
        /// The action's result.
        result: Value,
    }

    /// CKAN's error envelope.
    #[derive(Object)]
    pub struct ErrorResponse {
        /// The URL of `help_show` for this action.
        help: String,
        /// Always `false`.
        success: bool,
        error: Error,
    }

    /// The kind of error, as CKAN names its exceptions.
    #[derive(Enum, Clone, Copy)]
    pub enum ErrorType {
        #[oai(rename = "Validation Error")]
        Validation,
        #[oai(rename = "Authorization Error")]
        Authorization,
        #[oai(rename = "Not Found Error")]
        NotFound,
        #[oai(rename = "Integrity Error")]
        Integrity,
        #[oai(rename = "Bad Request")]
        BadRequest,
        #[oai(rename = "Search Query Error")]
        SearchQuery,
        #[oai(rename = "Search Error")]
        Search,
        #[oai(rename = "Internal Server Error")]
        Internal,
    }

    /// The `error` object of a failed call; messages are in the caller's language.
    #[derive(Object)]
    pub struct Error {
        #[oai(rename = "__type")]
        kind: ErrorType,
        /// `Access denied: …`, `Not found: …`, or a validation message not tied to a field.
        message: Option<String>,
        /// Integrity Error: an echo of the request data.
        data: Option<Value>,
    }

    /// A user account (`user_show`). `email` and `apikey` are shown to the user and to
    /// sysadmins only.
    #[derive(Object)]
    pub struct User {
        about: Option<String>,
        activity_streams_email_notifications: bool,
        apikey: Option<String>,
        /// ISO 8601, UTC, without a zone (CKAN's `isoformat`).
        created: String,
        display_name: String,
        email: Option<String>,
        /// MD5 of the e-mail address (for Gravatar).
        email_hash: String,
        fullname: Option<String>,
        id: String,
        image_display_url: Option<String>,
        image_url: Option<String>,
        last_active: Option<String>,
        name: String,
        number_created_packages: i64,
        /// `include_num_followers`.
        num_followers: Option<i64>,
        /// Sysadmins with `include_password_hash`.
        password_hash: Option<String>,
        /// Sysadmins with `include_plugin_extras`.
        plugin_extras: Option<Value>,
        /// `active`, `pending` or `deleted`.
        state: String,
        sysadmin: bool,
        /// `user_create` with `with_apitoken`: a new API token, shown once.
        token: Option<String>,
        /// `include_datasets`.
        datasets: Option<Vec<Value>>,
    }

    /// An organization or a group (`is_organization` tells which).
    #[derive(Object)]
    pub struct Group {
        /// `approved` or `pending`.
        approval_status: String,
        created: String,
        description: Option<String>,
        display_name: String,
        /// `include_extras` (default true).
        extras: Option<Vec<Extra>>,
        /// Parent groups, `include_groups` (default true).
        groups: Option<Vec<GroupRef>>,
        id: String,
        image_display_url: Option<String>,
        image_url: Option<String>,
        is_organization: bool,
        /// `include_member_count`.
        member_count: Option<i64>,
        name: String,
        num_followers: i64,
        /// `include_dataset_count` (default true).
        package_count: Option<i64>,
        /// `include_datasets`.
        packages: Option<Vec<Value>>,
        /// `active` or `deleted`.
        state: String,
        title: Option<String>,
        /// `organization` or `group`.
        #[oai(rename = "type")]
        kind: String,
        /// Member users with their `capacity`, `include_users`.
        users: Option<Vec<GroupUser>>,
    }

    /// A free key/value pair of a group.
    #[derive(Object)]
    pub struct Extra {
        key: String,
        value: String,
    }

    /// A parent group.
    #[derive(Object)]
    pub struct GroupRef {
        capacity: String,
        name: String,
    }

    /// A member user of a group.
    #[derive(Object)]
    pub struct GroupUser {
        #[oai(flatten)]
        user: User,
        /// `admin`, `editor` or `member`.
        capacity: String,
    }

    /// A membership (`member_create`).
    #[derive(Object)]
    pub struct Member {
        /// `admin`, `editor` or `member`.
        capacity: String,
        group_id: String,
        id: String,
        state: String,
        table_id: String,
        /// `user`, `package` or `group`.
        table_name: String,
    }

    /// The site's configuration (`status_show`).
    #[derive(Object)]
    pub struct Status {
        site_title: String,
        site_description: String,
        site_url: String,
        error_emails_to: String,
        locale_default: String,
        extensions: Vec<String>,
        /// The CKAN version whose API kho reproduces.
        ckan_version: String,
    }

    /// An API token's record (`api_token_list`); the token itself is never shown again.
    #[derive(Object)]
    pub struct ApiToken {
        created_at: String,
        id: String,
        last_access: Option<String>,
        name: String,
        user_id: String,
    }

    /// A new API token (`api_token_create`), shown only once.
    #[derive(Object)]
    pub struct NewApiToken {
        token: String,
    }

    /// A capacity a member may have (`member_roles_list`).
    #[derive(Object)]
    pub struct Role {
        /// The capacity's name in the caller's language.
        text: String,
        /// `admin`, `editor` or `member`.
        value: String,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_name_schemas() {
        assert_eq!(camel("array<user|string>"), "ArrayOfUserOrString");
        assert_eq!(camel("new_api_token"), "NewApiToken");
        assert_eq!(split_alternatives("array<a|b>"), None);
        assert_eq!(
            split_alternatives("a|array<b>"),
            Some(vec!["a", "array<b>"])
        );
    }

    #[test]
    fn the_ui_loads_the_document_next_to_it() {
        let html = ui_html();
        assert!(
            html.contains("url: 'openapi.json',"),
            "poem-openapi's Swagger UI template changed"
        );
        assert!(html.contains("SwaggerUIBundle"));
        assert!(
            !html.contains("src=\"http"),
            "the UI must not load anything from the network"
        );
    }

    #[test]
    fn same_document_for_the_same_site() {
        assert_eq!(document("http://x.test"), document("http://x.test"));
        assert!(document("http://x.test").ends_with("}\n"));
    }
}
