//! Token encoding: round trips, ordering, and what is refused.

use super::*;

#[test]
fn positions_order_like_their_keys() {
    let positions = [
        position(0, 1),
        position(0, 2),
        position(1, 1),
        position(1_700_000_000_000, 1),
        position(1_700_000_000_000, 999_999_999_999),
        position(1_700_000_000_001, 1),
    ];
    for pair in positions.windows(2) {
        assert!(pair[0] < pair[1]);
        assert!(digits(pair[0]) < digits(pair[1]));
    }
    assert_eq!(
        split(position(1_700_000_000_123, 42)),
        (1_700_000_000_123, 42)
    );
    assert_eq!(
        from_key(&format!("g\0s\0{}", digits(position(5, 7)))),
        Some(position(5, 7))
    );
    assert_eq!(from_key("short"), None);
    assert!(gap_before(5) < position(5, 1) && position(4, 999_999_999_999) < gap_before(5));
}

#[test]
fn stream_tokens_round_trip() {
    for (direction, gap) in [
        (Direction::Forward, 0),
        (Direction::Backward, position(1_700_000_000_000, 12)),
        (Direction::Forward, MAX_POSITION),
    ] {
        let token = stream_token(direction, gap);
        assert_eq!(token.len(), 58, "{token}");
        assert_eq!(parse_stream_token(&token).unwrap(), (direction, gap));
    }
    assert!(stream_token(Direction::Forward, 3).starts_with("f/000"));
    assert!(stream_token(Direction::Backward, 3).starts_with("b/000"));
}

#[test]
fn bad_stream_tokens_are_invalid_parameters() {
    for token in [
        "",
        "f/",
        "x/123",
        "f123",
        "f/12a",
        "b/-1",
        &format!("f/{}", "9".repeat(60)),
    ] {
        let error = parse_stream_token(token).unwrap_err();
        assert!(
            matches!(&error, LogsError::InvalidParameter(m) if m == "The specified nextToken is invalid."),
            "{token:?}: {error:?}"
        );
    }
}

#[test]
fn opaque_tokens_round_trip_and_check_their_kind() {
    let token = opaque("groups", "/aws/lambda/f:x");
    assert_eq!(parse_opaque("groups", &token).unwrap(), "/aws/lambda/f:x");
    assert!(parse_opaque("streams", &token).is_err());
    assert!(parse_opaque("groups", "not base64!").is_err());
    assert!(parse_opaque("groups", "").is_err());
}
