//! Execution traces as SQLite stores them: LZ4-compressed.
//!
//! A trace is JSON that repeats itself (every step names its flow id, node and event), about
//! 4.4 KB for a call through three modules: more than fits beside the other columns in a page,
//! so each row took an overflow page and a call wrote two pages to the WAL. Packed it is about
//! 1.1 KB, the row fits in its page, and a second of calls writes a quarter of the bytes (and
//! keeps a quarter on disk). Alternated 8 times against the same build storing plain text
//! (`benches/compare.rs`, link and executions), executions/s were 6% higher on average with
//! about the same CPU per call: the LZ4 pass costs what the smaller write saves in CPU; the
//! gain is in I/O.
//!
//! The column keeps its declared `TEXT` type: rows written before this are JSON text and are
//! read as they are; rows written now are a BLOB: [`TAG`], the text's length (u32, little
//! endian), then an LZ4 block. JSON text never starts with that byte.

use crate::error::StoreError;

/// First byte of a packed trace.
const TAG: u8 = 1;

/// Longest text a packed value may claim to hold (a corrupt length allocates no more).
const MAX_TEXT: usize = 256 * 1024 * 1024;

/// `text` packed for storage; `None` past 4 GiB (its length must fit the header), which is
/// then stored as plain text (no trace comes near).
pub(super) fn pack(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let len = u32::try_from(bytes.len()).ok()?;
    let mut out = Vec::with_capacity(5 + lz4_flex::block::get_maximum_output_size(bytes.len()));
    out.push(TAG);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&lz4_flex::block::compress(bytes));
    Some(out)
}

/// The text of a stored value of column `col`: packed ([`pack`]) or plain text.
pub(super) fn unpack(col: &str, stored: Vec<u8>) -> Result<String, StoreError> {
    let corrupt = |why: String| StoreError::Backend(format!("column {col}: {why}"));
    let text = match stored.split_first() {
        Some((&TAG, rest)) => {
            let (len, block) = rest
                .split_first_chunk::<4>()
                .ok_or_else(|| corrupt("a packed value without its length".into()))?;
            let len = u32::from_le_bytes(*len) as usize;
            if len > MAX_TEXT {
                return Err(corrupt(format!("a packed value claims {len} bytes")));
            }
            lz4_flex::block::decompress(block, len)
                .map_err(|e| corrupt(format!("a packed value does not decompress: {e}")))?
        }
        _ => stored,
    };
    String::from_utf8(text).map_err(|e| corrupt(format!("not UTF-8: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_and_plain_texts_read_back_and_damage_is_an_error() {
        let trace =
            r#"{"steps":[{"flowId":"f","nodeId":"n"},{"flowId":"f","nodeId":"n"}]}"#.repeat(40);
        let packed = pack(&trace).unwrap();
        assert!(packed.len() * 4 < trace.len(), "{} bytes", packed.len());
        assert_eq!(unpack("trace", packed.clone()).ok(), Some(trace.clone()));
        // Rows stored before packing: JSON text as it is.
        assert_eq!(
            unpack("trace", trace.as_bytes().to_vec()).ok(),
            Some(trace.clone())
        );
        assert_eq!(unpack("trace", pack("").unwrap()).ok(), Some(String::new()));
        let mut truncated = packed.clone();
        truncated.truncate(packed.len() / 2);
        assert!(unpack("trace", truncated).is_err());
        assert!(unpack("trace", vec![TAG, 1]).is_err());
        let mut huge = vec![TAG];
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(unpack("trace", huge).is_err());
        assert!(unpack("trace", vec![0xff, 0xfe]).is_err());
    }
}
