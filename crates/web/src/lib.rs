//! Bangfu's web layer: HTML pages and the JSON API, two thin faces over the
//! same services. Handlers parse input, call one service, and render; rules,
//! scope and audit live below.

mod api;
mod assets;
mod auth;
mod error;
mod import_xlsx;
mod pages;
mod qr;
mod seen;
pub mod verification_file;
mod view;
mod xlsx;

pub use api::ApiDoc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::routing::get;
use axum::Router;
use bangfu_service::Services;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// The largest upload (an application's documents, an Excel import).
pub const UPLOAD_LIMIT: usize = 32 * 1024 * 1024;

#[derive(Clone)]
pub struct AppState {
    pub services: Services,
    pub options: WebOptions,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct WebOptions {
    /// Mark cookies `Secure` even when no proxy says the request came over TLS.
    pub secure_cookies: bool,
    /// Believe `X-Forwarded-For` / `X-Forwarded-Proto`: only behind a proxy
    /// that sets them, or any client could write any address into the audit log.
    pub trust_proxy: bool,
}

impl AppState {
    pub fn new(services: Services, options: WebOptions) -> Self {
        Self { services, options }
    }
}

pub fn router(state: AppState) -> Router {
    // Pages and API answers carry personal data: never keep them in a cache.
    let no_store = SetResponseHeaderLayer::if_not_present(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    // Ordinary requests are small; only the upload routes take large bodies.
    let small = RequestBodyLimitLayer::new(2 * 1024 * 1024);
    Router::new()
        .merge(
            pages::routes(state.clone())
                .layer(no_store.clone())
                .layer(small),
        )
        .merge(
            pages::upload_routes(state.clone())
                .layer(no_store.clone())
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT))
                .layer(RequestBodyLimitLayer::new(UPLOAD_LIMIT))
                .layer(axum::middleware::map_response(pages::explain_too_large)),
        )
        .merge(
            api::upload_routes()
                .layer(no_store.clone())
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT))
                .layer(RequestBodyLimitLayer::new(UPLOAD_LIMIT))
                .layer(axum::middleware::map_response(api::explain_too_large)),
        )
        .nest("/api/v1", api::routes().layer(no_store).layer(small))
        .merge(assets::routes())
        .route("/healthz", get(healthz))
        .with_state(state.clone())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'"),
        ))
        // The visit form takes photos (`<input capture>`), so the camera
        // stays allowed for the site itself; nothing else is used.
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(
                "camera=(self), microphone=(), geolocation=(), payment=(), usb=()",
            ),
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            seen::carry,
        ))
        .layer(axum::middleware::from_fn_with_state(state, strict_transport))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
}

/// The span every request is logged in: its method and path, never the
/// query string, which may carry an ID number or a phone (an old link to
/// the status check, a search in a list) into the server's logs.
fn request_span<B>(req: &axum::http::Request<B>) -> tracing::Span {
    tracing::debug_span!(
        "request",
        method = %req.method(),
        path = %req.uri().path(),
        version = ?req.version(),
    )
}

/// Over TLS (`--secure-cookies`, or HTTPS according to a trusted proxy),
/// tells browsers to use HTTPS only for a year. Never over plain HTTP, where
/// it means nothing and would only lock out a site that has no TLS.
async fn strict_transport(
    State(state): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let tls = auth::secure(&state, req.headers());
    let mut res = next.run(req).await;
    if tls {
        res.headers_mut()
            .entry(header::STRICT_TRANSPORT_SECURITY)
            .or_insert(HeaderValue::from_static(
                "max-age=31536000; includeSubDomains",
            ));
    }
    res
}

async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.services.health().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"),
    }
}
