//! Personal-data screening of uploaded files (requirement 16): the stored file is read
//! back from the file store as a stream and screened by `kho-screen` on a blocking
//! thread, before the action's transaction starts, so a long scan never holds the
//! store's write lock.

use kho_screen::{ScreenConfig, Screener};
use tokio_util::io::{StreamReader, SyncIoBridge};

use crate::{Catalog, Upload};

/// What the screen found in an uploaded file, as the JSON text stored with it (an array
/// of findings, `[]` for none), or `None` when the file was not screened: screening is
/// off, there is no file store, or the file could not be read as its type says (a
/// malformed CSV, an XLSX over the size cap). Files of other types are screened as
/// nothing found (`[]`): the screen does not read them.
pub(crate) async fn screen_upload(c: &Catalog, u: &Upload) -> Option<String> {
    if !c.config().personal_data_screening {
        return None;
    }
    let files = c.file_store()?.clone();
    let fetched = match files.get(&u.stored.key, None).await {
        Ok(f) => f,
        Err(e) => {
            tracing::warn!(key = %u.stored.key, error = %e, "personal-data screen: file unreadable");
            return None;
        }
    };
    let name = u.file_name.clone();
    let media_type = kho_files::guess_mimetype(&u.file_name, &u.stored.head);
    // The async byte stream, read synchronously by the scanner on a blocking thread.
    let reader = SyncIoBridge::new(StreamReader::new(fetched.body));
    let scanned = tokio::task::spawn_blocking(move || {
        Screener::new(ScreenConfig::default()).scan_stream(reader, &name, media_type.as_deref())
    })
    .await;
    match scanned {
        Ok(Ok(report)) => serde_json::to_string(&report.findings).ok(),
        Ok(Err(e)) => {
            tracing::warn!(key = %u.stored.key, error = %e, "personal-data screen: not screened");
            None
        }
        Err(e) => {
            tracing::error!(key = %u.stored.key, error = %e, "personal-data screen failed");
            None
        }
    }
}
