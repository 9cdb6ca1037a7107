//! HTTP client setup and the reading of a response's status and length headers.

use std::time::Duration;

use ureq::Agent;
use ureq::http::{HeaderMap, StatusCode};

/// Builds a client whose name lookup, connect, read and write steps each fail
/// after `idle` without progress, and that returns HTTP error statuses as
/// responses.
pub(crate) fn agent(idle: Duration) -> Agent {
    Agent::config_builder()
        .http_status_as_error(false)
        .timeout_resolve(Some(idle))
        .timeout_connect(Some(idle))
        .timeout_per_read(Some(idle))
        .timeout_per_write(Some(idle))
        .user_agent(concat!("imdb-tui/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// Meaning of a response to a request that started at byte `offset`.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Reply {
    /// The body continues the partial file at `offset`. `total` is the full size.
    Continues { total: Option<u64> },
    /// The body is the whole file, so the partial file must start over.
    Whole { total: Option<u64> },
    /// The server rejected the range or sent one starting elsewhere.
    RangeUnusable,
    /// Any other status, which is an error.
    Failed { status: u16 },
}

/// Interprets the status and headers of a response to a request from `offset`.
pub(crate) fn interpret(status: StatusCode, headers: &HeaderMap, offset: u64) -> Reply {
    match status {
        StatusCode::OK => Reply::Whole {
            total: content_length(headers),
        },
        StatusCode::PARTIAL_CONTENT => match content_range(headers) {
            Some((start, total)) if start == offset => Reply::Continues { total },
            _ => Reply::RangeUnusable,
        },
        StatusCode::RANGE_NOT_SATISFIABLE if offset > 0 => Reply::RangeUnusable,
        other => Reply::Failed {
            status: other.as_u16(),
        },
    }
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get("content-length")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Parses `Content-Range: bytes START-END/TOTAL` into the start and, unless it is
/// `*`, the total size.
fn content_range(headers: &HeaderMap) -> Option<(u64, Option<u64>)> {
    let value = headers.get("content-range")?.to_str().ok()?.trim();
    let spec = value.strip_prefix("bytes ")?;
    let (range, total) = spec.split_once('/')?;
    let (start, _end) = range.split_once('-')?;

    let start = start.trim().parse().ok()?;
    let total = match total.trim() {
        "*" => None,
        digits => Some(digits.parse().ok()?),
    };
    Some((start, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn ok_is_whole_file_with_length() {
        let reply = interpret(StatusCode::OK, &headers(&[("content-length", "120")]), 40);
        assert_eq!(reply, Reply::Whole { total: Some(120) });
    }

    #[test]
    fn partial_at_offset_continues() {
        let map = headers(&[("content-range", "bytes 40-119/120")]);
        let reply = interpret(StatusCode::PARTIAL_CONTENT, &map, 40);
        assert_eq!(reply, Reply::Continues { total: Some(120) });
    }

    #[test]
    fn partial_with_unknown_total_continues() {
        let map = headers(&[("content-range", "bytes 40-119/*")]);
        let reply = interpret(StatusCode::PARTIAL_CONTENT, &map, 40);
        assert_eq!(reply, Reply::Continues { total: None });
    }

    #[test]
    fn partial_elsewhere_is_unusable() {
        let map = headers(&[("content-range", "bytes 0-119/120")]);
        let reply = interpret(StatusCode::PARTIAL_CONTENT, &map, 40);
        assert_eq!(reply, Reply::RangeUnusable);
    }

    #[test]
    fn partial_without_range_header_is_unusable() {
        let reply = interpret(StatusCode::PARTIAL_CONTENT, &HeaderMap::new(), 40);
        assert_eq!(reply, Reply::RangeUnusable);
    }

    #[test]
    fn range_not_satisfiable_is_unusable() {
        let reply = interpret(StatusCode::RANGE_NOT_SATISFIABLE, &HeaderMap::new(), 40);
        assert_eq!(reply, Reply::RangeUnusable);
    }

    #[test]
    fn other_statuses_fail() {
        let reply = interpret(StatusCode::NOT_FOUND, &HeaderMap::new(), 0);
        assert_eq!(reply, Reply::Failed { status: 404 });
    }
}
