//! The block-sync protocol's wire codec: one borsh value per stream direction,
//! read up to a size limit and decoded strictly (no trailing bytes).

use std::io;

use borsh::{BorshDeserialize, BorshSerialize};
use civitas_types::codec::{decode, encode};
use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::StreamProtocol;
use libp2p::request_response;

use crate::sync::{SyncRequest, SyncResponse};

/// The block-sync protocol name.
pub const SYNC_PROTOCOL: StreamProtocol = StreamProtocol::new("/civitas/sync/1");

/// Largest sync request: a request is a tag and two integers.
const REQUEST_BYTES_MAX: usize = 64;

/// Borsh over a libp2p stream, bounded in both directions.
#[derive(Clone, Debug)]
pub struct SyncCodec {
    /// Largest response accepted.
    pub response_bytes_max: usize,
}

async fn read_bounded<T, V>(io: &mut T, limit: usize) -> io::Result<V>
where
    T: AsyncRead + Unpin + Send,
    V: BorshDeserialize,
{
    let mut bytes = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    io.take(cap).read_to_end(&mut bytes).await?;
    if bytes.len() > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("message larger than {limit} bytes"),
        ));
    }
    decode(&bytes).map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
}

async fn write_all<T, V>(io: &mut T, value: &V) -> io::Result<()>
where
    T: AsyncWrite + Unpin + Send,
    V: BorshSerialize,
{
    io.write_all(&encode(value)).await?;
    io.close().await
}

impl request_response::Codec for SyncCodec {
    type Protocol = StreamProtocol;
    type Request = SyncRequest;
    type Response = SyncResponse;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<SyncRequest>
    where
        T: AsyncRead + Unpin + Send,
    {
        read_bounded(io, REQUEST_BYTES_MAX).await
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<SyncResponse>
    where
        T: AsyncRead + Unpin + Send,
    {
        read_bounded(io, self.response_bytes_max).await
    }

    async fn write_request<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        request: SyncRequest,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_all(io, &request).await
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        response: SyncResponse,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_all(io, &response).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use futures::io::Cursor;

    #[test]
    fn a_request_round_trips_and_junk_is_refused() {
        futures::executor::block_on(async {
            let request = SyncRequest::Blocks { from: 7, limit: 64 };
            let mut io = Cursor::new(encode(&request));
            let read: SyncRequest = read_bounded(&mut io, REQUEST_BYTES_MAX).await.unwrap();
            assert_eq!(read, request);

            let mut trailing = encode(&request);
            trailing.push(0);
            let result: io::Result<SyncRequest> =
                read_bounded(&mut Cursor::new(trailing), REQUEST_BYTES_MAX).await;
            assert!(result.is_err(), "trailing bytes accepted");

            let unknown_tag: io::Result<SyncRequest> =
                read_bounded(&mut Cursor::new(vec![9u8]), REQUEST_BYTES_MAX).await;
            assert!(unknown_tag.is_err());
        });
    }

    #[test]
    fn an_oversized_response_is_refused_before_decoding() {
        futures::executor::block_on(async {
            let response = SyncResponse::Status(crate::SyncStatus {
                height: 7,
                first_height: 1,
            });
            let bytes = encode(&response);
            assert_eq!(bytes.len(), 17);
            let result: io::Result<SyncResponse> =
                read_bounded(&mut Cursor::new(bytes.clone()), 16).await;
            assert_eq!(result.unwrap_err().kind(), io::ErrorKind::InvalidData);
            let fits: SyncResponse = read_bounded(&mut Cursor::new(bytes), 17).await.unwrap();
            assert_eq!(fits, response);
        });
    }
}
