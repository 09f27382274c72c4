//! Reading an HTTP answer's body with a size cap, so that a server (or a broken proxy) that
//! sends a body without end costs at most the cap in memory, never the host.
//!
//! The body is read chunk by chunk and refused as soon as it would pass the cap, before the
//! bytes are kept; a `Content-Length` over the cap is refused before anything is read.

use bytes::Bytes;

/// Why a body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// The body is (or would grow) larger than the cap.
    #[error("the answer is larger than {} MiB, more than oura-sync reads", .cap / (1024 * 1024))]
    TooLarge { cap: usize },
    /// The connection failed, timed out or was cut while reading.
    #[error(transparent)]
    Transport(#[from] reqwest::Error),
}

/// The body of a provider's answer (a notification channel) is read up to this much: enough
/// for any error explanation, which is all oura-sync reads from it.
pub const MAX_PROVIDER_ANSWER_BYTES: usize = 64 * 1024;

/// The body of a provider's answer as text (invalid UTF-8 replaced), at most
/// [`MAX_PROVIDER_ANSWER_BYTES`]; a larger one is cut there rather than refused, since only its
/// start explains anything.
pub async fn read_provider_text(mut response: reqwest::Response) -> Result<String, reqwest::Error> {
    let mut body: Vec<u8> = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        let room = MAX_PROVIDER_ANSWER_BYTES - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() == MAX_PROVIDER_ANSWER_BYTES {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// The whole body of `response`, or [`BodyError::TooLarge`] once it passes `cap` bytes.
pub async fn read_capped(mut response: reqwest::Response, cap: usize) -> Result<Bytes, BodyError> {
    let announced = response.content_length().map(|n| usize::try_from(n).unwrap_or(usize::MAX));
    if announced.is_some_and(|n| n > cap) {
        return Err(BodyError::TooLarge { cap });
    }
    let mut body: Vec<u8> = Vec::with_capacity(announced.unwrap_or(0).min(cap));
    while let Some(chunk) = response.chunk().await? {
        let needed = body.len() + chunk.len();
        if needed > cap {
            return Err(BodyError::TooLarge { cap });
        }
        if needed > body.capacity() {
            // Doubling, but never past the cap: the buffer itself stays within it.
            let target = (body.capacity() * 2).clamp(needed, cap);
            body.reserve_exact(target - body.len());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
}
