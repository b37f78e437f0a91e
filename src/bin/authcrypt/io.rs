//! Reading stdin and files with bounds, and writing stdout in one piece.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use zeroize::Zeroizing;

use super::error::Failure;

/// Largest envelope read from stdin (the library's default envelope limit).
pub const MAX_ENVELOPE: usize = 64 << 20;
/// Largest plaintext `pack` reads: an envelope carries its ciphertext (as long as the plaintext,
/// plus at most one cipher block) in base64url, 4/3 as long, so a larger plaintext cannot give
/// an envelope of at most [`MAX_ENVELOPE`] octets. Headers and padding may still push a
/// plaintext just under this over the limit; `pack` checks the envelope itself too.
pub const MAX_PLAINTEXT: usize = MAX_ENVELOPE / 4 * 3;
/// Largest plaintext `pack --protect-sender` reads: the inner envelope is the plaintext of the
/// outer one, so the content is base64url-encoded twice, (4/3)^2 = 16/9 as long.
pub const MAX_PROTECTED_PLAINTEXT: usize = MAX_ENVELOPE / 16 * 9;
/// Largest key file, JWK Set or DID document read.
pub const MAX_KEY_FILE: usize = 1 << 20;

/// How a path is named in messages.
pub fn show(path: &Path) -> String {
    path.display().to_string()
}

fn describe(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::IsADirectory => "is a directory".into(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_owned(),
                None => text,
            }
        }
    }
}

/// The first buffer for input of unknown length (stdin); it doubles from there.
const FIRST_BUFFER: usize = 16 << 10;

/// Reads `reader` to its end or to `limit + 1` octets, whichever comes first; the second
/// value is whether the input holds more than `limit` octets. `expected` is the length the
/// input should have (a file's length from its metadata), which sizes the buffer once. Input
/// that turns out longer (a file that grows while it is read, or stdin) is copied into a larger
/// buffer and the old one is wiped as it drops, so no unwiped copy of a secret is left in freed
/// memory, as reallocation would leave it.
fn read_bounded(
    mut reader: impl Read,
    limit: usize,
    expected: Option<u64>,
) -> io::Result<(Zeroizing<Vec<u8>>, bool)> {
    // One octet more than the limit shows that the input is over it.
    let most = limit.saturating_add(1);
    let first = match expected {
        // One more than the expected length, so that the end is seen without growing. Pipes
        // and special files report a length of 0.
        Some(len) if len > 0 => {
            usize::try_from(len).map_or(most, |len| len.saturating_add(1).min(most))
        }
        _ => FIRST_BUFFER.min(most),
    };
    let mut buf = Zeroizing::new(vec![0u8; first]);
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            if filled == most {
                break;
            }
            let mut bigger = Zeroizing::new(vec![0u8; filled.saturating_mul(2).clamp(1, most)]);
            bigger[..filled].copy_from_slice(&buf[..filled]);
            // The old buffer is wiped as it drops.
            buf = bigger;
        }
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    // Truncating keeps the allocation, which the wrapper wipes in full.
    buf.truncate(filled);
    Ok((buf, filled > limit))
}

/// Reads all of stdin, or `None` when it holds more than `limit` octets (then at most
/// `limit + 1` octets are read).
pub fn read_stdin_within(limit: usize) -> Result<Option<Zeroizing<Vec<u8>>>, Failure> {
    let (buf, over) = read_bounded(io::stdin().lock(), limit, None)
        .map_err(|e| Failure::usage(format!("cannot read stdin: {}", describe(&e))))?;
    Ok((!over).then_some(buf))
}

/// Reads the envelope on stdin; more than `limit` octets reject it.
pub fn read_stdin(limit: usize) -> Result<Zeroizing<Vec<u8>>, Failure> {
    read_stdin_within(limit)?.ok_or_else(|| {
        Failure::rejected(format!(
            "the input on stdin exceeds the limit of {limit} octets"
        ))
    })
}

/// Reads a key file (or stdin for "-"), bounded by [`MAX_KEY_FILE`]. `what` names it in
/// messages.
pub fn read_key_file(path: &Path, what: &str) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let result = if path == Path::new("-") {
        read_bounded(io::stdin().lock(), MAX_KEY_FILE, None)
    } else {
        File::open(path).and_then(|f| {
            let len = f.metadata()?.len();
            read_bounded(f, MAX_KEY_FILE, Some(len))
        })
    };
    let (buf, over) =
        result.map_err(|e| Failure::usage(format!("cannot read {what}: {}", describe(&e))))?;
    if over {
        return Err(Failure::usage(format!(
            "{what} is larger than {MAX_KEY_FILE} octets: not a key file"
        )));
    }
    Ok(buf)
}

/// Writes the whole output of a successful command. A closed pipe (the reader went away) is
/// not an error.
pub fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::usage(format!(
            "cannot write to stdout: {}",
            describe(&e)
        ))),
    }
}

/// Writes one line to stderr, ignoring failures (there is nowhere else to report them).
pub fn warn(line: &str) {
    let mut err = io::stderr().lock();
    let _ = writeln!(err, "authcrypt: {}", super::error::one_line(line));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out its data in chunks of 1, 2, 3, ... 7 octets, then again from 1,
    /// and is interrupted once before every fifth chunk.
    struct Chunks {
        data: Vec<u8>,
        at: usize,
        calls: usize,
    }

    impl Read for Chunks {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            self.calls += 1;
            if self.calls % 5 == 0 {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let n = (self.calls % 7 + 1)
                .min(out.len())
                .min(self.data.len() - self.at);
            out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn chunks(len: usize) -> Chunks {
        Chunks {
            data: (0..len).map(|i| (i * 31 + 7) as u8).collect(),
            at: 0,
            calls: 0,
        }
    }

    #[test]
    fn reads_exactly_what_is_there_in_odd_chunks() {
        // Lengths around the first buffer and around its doublings, with and without a length
        // hint (exact, too short as for a growing file, too long as for a shrinking one).
        for len in [
            0,
            1,
            2,
            7,
            1000,
            FIRST_BUFFER - 1,
            FIRST_BUFFER,
            3 * FIRST_BUFFER + 5,
        ] {
            for expected in [
                None,
                Some(len as u64),
                Some(len as u64 / 3),
                Some(len as u64 * 2 + 9),
            ] {
                let reader = chunks(len);
                let want = reader.data.clone();
                let (got, over) = read_bounded(reader, 1 << 20, expected).unwrap();
                assert_eq!(
                    (got.as_slice(), over),
                    (want.as_slice(), false),
                    "{len} {expected:?}"
                );
            }
        }
    }

    #[test]
    fn the_bound_is_enforced_at_limit_plus_one() {
        for limit in [0, 1, 6, 100, FIRST_BUFFER, 2 * FIRST_BUFFER + 3] {
            for expected in [None, Some(limit as u64), Some(1), Some(u64::MAX)] {
                let reader = chunks(limit);
                let want = reader.data.clone();
                let (got, over) = read_bounded(reader, limit, expected).unwrap();
                assert_eq!((got.as_slice(), over), (want.as_slice(), false), "{limit}");

                // One octet more is over the limit; reading stops there.
                let (got, over) = read_bounded(chunks(limit + 1), limit, expected).unwrap();
                assert!(over, "{limit} {expected:?}");
                assert_eq!(got.len(), limit + 1);

                let mut long = chunks(limit + 1000);
                let (got, over) = read_bounded(&mut long, limit, expected).unwrap();
                assert!(over);
                assert_eq!(got.len(), limit + 1);
                assert_eq!(long.at, limit + 1, "no more than limit + 1 octets are read");
            }
        }
    }

    #[test]
    fn a_read_error_is_reported() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
        }
        let e = read_bounded(Broken, 10, None).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
    }
}
