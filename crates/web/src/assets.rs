//! Static assets, embedded in the binary so nothing is fetched at run time.

use crate::AppState;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

const CSS: &str = include_str!("../assets/app.css");
const HTMX: &str = include_str!("../assets/vendor/htmx.min.js");
/// Apache ECharts for the statistics pages' charts (vendored; see assets/vendor/README.md).
const ECHARTS: &str = include_str!("../assets/vendor/echarts.min.js");
const APP_JS: &str = include_str!("../assets/app.js");
const PRINT_CSS: &str = include_str!("../assets/print.css");
/// The tab's icon (a white heart on the sidebar's blue), which browsers ask for on every first load.
const FAVICON: &[u8] = include_bytes!("../assets/favicon.ico");

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/favicon.ico",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "image/x-icon"),
                        (header::CACHE_CONTROL, "public, max-age=86400"),
                    ],
                    FAVICON,
                )
            }),
        )
        .route(
            "/assets/app.css",
            get(|| async { asset("text/css; charset=utf-8", CSS) }),
        )
        .route(
            "/assets/htmx.min.js",
            get(|| async { asset("text/javascript; charset=utf-8", HTMX) }),
        )
        .route(
            "/assets/echarts.min.js",
            get(|| async { asset("text/javascript; charset=utf-8", ECHARTS) }),
        )
        .route(
            "/assets/print.css",
            get(|| async { asset("text/css; charset=utf-8", PRINT_CSS) }),
        )
        .route(
            "/assets/app.js",
            get(|| async { asset("text/javascript; charset=utf-8", APP_JS) }),
        )
        .route(
            "/assets/stats.js",
            get(|| async { asset("text/javascript; charset=utf-8", STATS_JS) }),
        )
        .route(
            "/assets/stats.css",
            get(|| async { asset("text/css; charset=utf-8", STATS_CSS) }),
        )
}

/// The statistics pages' charts and print layout (helper B, issue 5).
const STATS_JS: &str = include_str!("../assets/stats.js");
const STATS_CSS: &str = include_str!("../assets/stats.css");
