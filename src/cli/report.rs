//! Wording of errors for the terminal.

/// Returns the error and its causes as one line, like anyhow's `{:#}`, but
/// leaves out a cause whose text an outer message already contains. Many
/// errors here quote their `io::Error` in their own message and also return
/// it as their source, which `{:#}` would print twice.
pub fn error_message(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[derive(Debug, thiserror::Error)]
    #[error("failed to write model file m/model.npz: {source}; check its folder")]
    struct WriteError {
        source: io::Error,
    }

    #[test]
    fn quoted_cause_is_not_repeated() {
        let cause = io::Error::new(io::ErrorKind::NotFound, "No such file or directory");
        let error = anyhow::Error::new(WriteError { source: cause });
        assert_eq!(
            error_message(&error),
            "failed to write model file m/model.npz: No such file or directory; check its folder"
        );
    }

    #[test]
    fn new_causes_are_joined() {
        let error = anyhow::anyhow!("disk full").context("failed to save the cache");
        assert_eq!(error_message(&error), "failed to save the cache: disk full");
    }
}
