//! A person sees their own writes when reads go to a streaming replica.
//!
//! With `--read-database`, the service sends a read to the replica only when
//! the replica has replayed everything the caller has seen of the primary
//! (see `bangfu_storage::replica`). This layer carries that position from
//! one request to the next, so it holds whichever process serves the next
//! request: in a cookie for the browser, and in the `Bangfu-Seen` header for
//! API clients (sent back as it came). A stale position costs nothing (the
//! replica is past it), so the cookie lives as long as the browser's session. Nothing in it is secret: it is a
//! position in the database's log, and the worst a forged one does is send
//! the sender's own reads to the primary.

use crate::{auth, AppState};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use bangfu_service::{with_seen, WalPosition};

const COOKIE: &str = "bangfu_seen";
const HEADER: &str = "bangfu-seen";

pub(crate) async fn carry(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !state.services.has_replica() {
        return next.run(req).await;
    }
    let seen = sent(&req).unwrap_or_default();
    let secure = auth::secure(&state, req.headers());
    let (mut res, after) = with_seen(seen, next.run(req)).await;
    if after > seen {
        let text = after.text();
        if let Ok(v) = HeaderValue::from_str(&text) {
            res.headers_mut().insert(HEADER, v);
        }
        let cookie = Cookie::build((COOKIE, text))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(secure)
            .build();
        if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// The position the request brings: the header, else the cookie.
fn sent(req: &Request) -> Option<WalPosition> {
    if let Some(p) = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(WalPosition::parse)
    {
        return Some(p);
    }
    CookieJar::from_headers(req.headers())
        .get(COOKIE)
        .and_then(|c| WalPosition::parse(c.value()))
}
