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
