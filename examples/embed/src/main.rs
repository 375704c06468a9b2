//! Mount the whole kho API under `/data` beside your own routes.
//!
//! ```text
//! cargo run -p kho-example-embed
//! curl http://127.0.0.1:5080/hello
//! curl http://127.0.0.1:5080/data/api/3/action/status_show
//! ```
//!
//! The catalogue's `site_url` includes the prefix, so the `help` links and every URL kho
//! writes point back into `/data`.

use poem::{get, handler, listener::TcpListener, Route, Server};

#[handler]
fn hello() -> &'static str {
    "my own service, with a CKAN-compatible catalogue under /data\n"
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let listen = std::env::var("EXAMPLE_LISTEN").unwrap_or_else(|_| "127.0.0.1:5080".into());
    let dir = std::env::temp_dir().join("kho-example-embed");
    std::fs::create_dir_all(&dir)?;
    let store = kho_store::connect(&format!("sqlite://{}/kho.db?mode=rwc", dir.display())).await?;
    store.migrate().await?;
    let config = kho_catalog::CatalogConfig {
        site_url: format!("http://{listen}/data"),
        site_title: "Example portal".into(),
        ..Default::default()
    };
    // The catalogue, with its search index filled from the store.
    let catalog = kho_api::catalog(store, config).await?;
    let app = Route::new().at("/hello", get(hello)).nest(
        "/data",
        kho_api::routes(catalog, kho_api::ApiConfig::default()),
    );
    println!("listening on http://{listen} (catalogue under /data)");
    Server::new(TcpListener::bind(listen)).run(app).await?;
    Ok(())
}
