//! Source of the archive: its URL, MD5 checksum and size.

use std::fmt;
use std::str::FromStr;

use super::FetchError;

/// URL of the original Large Movie Review Dataset archive at Stanford.
pub const OFFICIAL_URL: &str = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz";

/// MD5 checksum of the official archive, in lowercase hexadecimal.
pub const OFFICIAL_MD5: &str = "7c2ac02c03563afcf9b574c7e56c153a";

/// Size of the official archive in bytes.
pub const OFFICIAL_SIZE: u64 = 84_125_825;

/// [`OFFICIAL_MD5`] as bytes, so that [`Source::official`] needs no parsing.
const OFFICIAL_MD5_BYTES: [u8; 16] = [
    0x7c, 0x2a, 0xc0, 0x2c, 0x03, 0x56, 0x3a, 0xfc, 0xf9, 0xb5, 0x74, 0xc7, 0xe5, 0x6c, 0x15, 0x3a,
];

/// MD5 digest of a file. Displays as 32 lowercase hexadecimal digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Md5Digest([u8; 16]);

impl Md5Digest {
    /// Wraps the 16 bytes of a digest.
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// Returns the 16 bytes of the digest.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl FromStr for Md5Digest {
    type Err = FetchError;

    /// Parses 32 hexadecimal digits in either case, ignoring surrounding spaces.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || FetchError::InvalidMd5 {
            value: text.to_owned(),
        };
        let digits = text.trim().as_bytes();
        if digits.len() != 32 {
            return Err(invalid());
        }

        let mut bytes = [0_u8; 16];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            let high = hex_value(pair[0]).ok_or_else(invalid)?;
            let low = hex_value(pair[1]).ok_or_else(invalid)?;
            *byte = (high << 4) | low;
        }
        Ok(Self(bytes))
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for Md5Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Md5Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Md5Digest({self})")
    }
}

/// Archive to download: a URL and the MD5 checksum and size the file must have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    url: String,
    md5: Md5Digest,
    size: Option<u64>,
}

impl Source {
    /// Returns the official Stanford archive with its known checksum and size.
    pub fn official() -> Self {
        Self {
            url: OFFICIAL_URL.to_owned(),
            md5: Md5Digest(OFFICIAL_MD5_BYTES),
            size: Some(OFFICIAL_SIZE),
        }
    }

    /// Creates a source for a mirror from its URL and the MD5 checksum as hexadecimal.
    ///
    /// The expected size is [`OFFICIAL_SIZE`] when the checksum is the official one,
    /// because then the mirror serves the same file. For any other checksum the size
    /// is unknown until the server sends it, unless [`Source::with_size`] sets it.
    ///
    /// # Errors
    ///
    /// [`FetchError::InvalidUrl`] unless the URL starts with `http://` or `https://`
    /// and names a host, and [`FetchError::InvalidMd5`] unless the checksum is 32
    /// hexadecimal digits.
    pub fn new(url: impl Into<String>, md5: &str) -> Result<Self, FetchError> {
        let url = url.into().trim().to_owned();
        check_url(&url)?;

        let md5: Md5Digest = md5.parse()?;
        let size = (md5.0 == OFFICIAL_MD5_BYTES).then_some(OFFICIAL_SIZE);
        Ok(Self { url, md5, size })
    }

    /// Sets the expected size in bytes, or clears it with `None`.
    #[must_use]
    pub fn with_size(mut self, size: Option<u64>) -> Self {
        self.size = size;
        self
    }

    /// Returns the URL to download from.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Returns the checksum the downloaded file must have.
    pub fn md5(&self) -> Md5Digest {
        self.md5
    }

    /// Returns the size in bytes the downloaded file must have, if known in advance.
    pub fn size(&self) -> Option<u64> {
        self.size
    }
}

impl Default for Source {
    fn default() -> Self {
        Self::official()
    }
}

/// Rejects URLs that are not http or https or that have no host.
fn check_url(url: &str) -> Result<(), FetchError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host_present = rest.is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
    if host_present && !url.contains(char::is_whitespace) {
        Ok(())
    } else {
        Err(FetchError::InvalidUrl {
            url: url.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_md5_bytes_match_hex() {
        let parsed: Md5Digest = OFFICIAL_MD5.parse().unwrap();
        assert_eq!(parsed, Source::official().md5());
        assert_eq!(parsed.to_string(), OFFICIAL_MD5);
    }

    #[test]
    fn md5_parse_accepts_uppercase_and_spaces() {
        let parsed: Md5Digest = " 7C2AC02C03563AFCF9B574C7E56C153A\n".parse().unwrap();
        assert_eq!(parsed.to_string(), OFFICIAL_MD5);
    }

    #[test]
    fn md5_parse_rejects_bad_input() {
        let cases = [
            "",
            "7c2ac02c",
            "7c2ac02c03563afcf9b574c7e56c153a00",
            "zc2ac02c03563afcf9b574c7e56c153a",
            "7c2ac02c03563afc f9b574c7e56c153a",
        ];
        for case in cases {
            let error = case.parse::<Md5Digest>().unwrap_err();
            assert!(
                matches!(error, FetchError::InvalidMd5 { .. }),
                "{case:?} gave {error:?}"
            );
        }
    }

    #[test]
    fn mirror_with_official_md5_knows_size() {
        let source = Source::new("http://mirror.example/a.tar.gz", OFFICIAL_MD5).unwrap();
        assert_eq!(source.size(), Some(OFFICIAL_SIZE));
    }

    #[test]
    fn mirror_with_other_md5_has_unknown_size() {
        let other = "00000000000000000000000000000000";
        let source = Source::new("https://mirror.example/a.tar.gz", other).unwrap();
        assert_eq!(source.size(), None);
    }

    #[test]
    fn source_rejects_bad_urls() {
        let cases = [
            "",
            "ftp://host/file",
            "host/file",
            "http://",
            "https:///path",
            "http://a b/c",
        ];
        for case in cases {
            let error = Source::new(case, OFFICIAL_MD5).unwrap_err();
            assert!(
                matches!(error, FetchError::InvalidUrl { .. }),
                "{case:?} gave {error:?}"
            );
        }
    }
}
