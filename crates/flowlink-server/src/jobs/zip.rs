//! A minimal zip writer for export downloads of several flows: stored entries (no
//! compression — YAML files of a few kilobytes, and no compression library to carry), CRC-32,
//! local headers, central directory. Readable by every unzip tool.

/// CRC-32 (IEEE 802.3, reflected, as zip uses).
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

fn u16le(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn u32le(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Why a set of files does not fit a (non-zip64) archive.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the export is too large for a zip archive")]
pub struct TooLarge;

/// A zip archive holding `files` (name, bytes) in order, stored uncompressed. Names are UTF-8
/// (general-purpose flag bit 11).
pub fn zip(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, TooLarge> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    let count = u16::try_from(files.len()).map_err(|_| TooLarge)?;
    for (name, data) in files {
        let offset = u32::try_from(out.len()).map_err(|_| TooLarge)?;
        let size = u32::try_from(data.len()).map_err(|_| TooLarge)?;
        let name_len = u16::try_from(name.len()).map_err(|_| TooLarge)?;
        let crc = crc32(data);
        // Local file header.
        u32le(&mut out, 0x0403_4b50);
        u16le(&mut out, 20); // version needed
        u16le(&mut out, 0x0800); // UTF-8 names
        u16le(&mut out, 0); // stored
        u16le(&mut out, 0); // time
        u16le(&mut out, 0x21); // date: 1980-01-01
        u32le(&mut out, crc);
        u32le(&mut out, size);
        u32le(&mut out, size);
        u16le(&mut out, name_len);
        u16le(&mut out, 0);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        // Its central directory entry.
        u32le(&mut central, 0x0201_4b50);
        u16le(&mut central, 20); // version made by
        u16le(&mut central, 20);
        u16le(&mut central, 0x0800);
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        u16le(&mut central, 0x21);
        u32le(&mut central, crc);
        u32le(&mut central, size);
        u32le(&mut central, size);
        u16le(&mut central, name_len);
        u16le(&mut central, 0); // extra
        u16le(&mut central, 0); // comment
        u16le(&mut central, 0); // disk
        u16le(&mut central, 0); // internal attributes
        u32le(&mut central, 0); // external attributes
        u32le(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let central_offset = u32::try_from(out.len()).map_err(|_| TooLarge)?;
    let central_size = u32::try_from(central.len()).map_err(|_| TooLarge)?;
    out.extend_from_slice(&central);
    // End of central directory.
    u32le(&mut out, 0x0605_4b50);
    u16le(&mut out, 0);
    u16le(&mut out, 0);
    u16le(&mut out, count);
    u16le(&mut out, count);
    u32le(&mut out, central_size);
    u32le(&mut out, central_offset);
    u16le(&mut out, 0);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_of_the_check_string() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn entries_sit_where_the_central_directory_says() {
        let files = vec![
            ("a.yaml".to_string(), b"one".to_vec()),
            ("b é.yaml".to_string(), b"two!".to_vec()),
        ];
        let z = zip(&files).unwrap();
        let eocd = z.len() - 22;
        assert_eq!(&z[eocd..eocd + 4], &[0x50, 0x4b, 0x05, 0x06]);
        let entries = u16::from_le_bytes([z[eocd + 10], z[eocd + 11]]);
        assert_eq!(entries, 2);
        let cd = u32::from_le_bytes(z[eocd + 16..eocd + 20].try_into().unwrap()) as usize;
        let second_local =
            u32::from_le_bytes(z[cd + 46 + 6 + 42..cd + 46 + 6 + 46].try_into().unwrap()) as usize;
        assert_eq!(
            &z[second_local..second_local + 4],
            &[0x50, 0x4b, 0x03, 0x04]
        );
        let name_len = usize::from(u16::from_le_bytes([
            z[second_local + 26],
            z[second_local + 27],
        ]));
        let data = &z[second_local + 30 + name_len..second_local + 30 + name_len + 4];
        assert_eq!(data, b"two!");
    }
}
