//! Reading stdin and files with bounds, and writing stdout in one piece.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use zeroize::Zeroizing;

use super::error::Failure;

/// Largest envelope read from stdin (the library's default envelope limit).
pub const MAX_ENVELOPE: usize = 64 << 20;
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

fn read_bounded(mut reader: impl Read, limit: Option<usize>) -> io::Result<(Vec<u8>, bool)> {
    let mut buf = Vec::new();
    match limit {
        None => {
            reader.read_to_end(&mut buf)?;
            Ok((buf, false))
        }
        Some(limit) => {
            reader.take(limit as u64 + 1).read_to_end(&mut buf)?;
            let over = buf.len() > limit;
            Ok((buf, over))
        }
    }
}

/// Reads all of stdin; `Err(limit)` when it holds more than `limit` octets.
pub fn read_stdin(limit: Option<usize>) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let (buf, over) = read_bounded(io::stdin().lock(), limit)
        .map_err(|e| Failure::usage(format!("cannot read stdin: {}", describe(&e))))?;
    let buf = Zeroizing::new(buf);
    if over {
        return Err(Failure::rejected(format!(
            "the input on stdin exceeds the limit of {} octets",
            limit.unwrap_or_default()
        )));
    }
    Ok(buf)
}

/// Reads a key file (or stdin for "-"), bounded by [`MAX_KEY_FILE`]. `what` names it in
/// messages.
pub fn read_key_file(path: &Path, what: &str) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let result = if path == Path::new("-") {
        read_bounded(io::stdin().lock(), Some(MAX_KEY_FILE))
    } else {
        File::open(path).and_then(|f| read_bounded(f, Some(MAX_KEY_FILE)))
    };
    let (buf, over) =
        result.map_err(|e| Failure::usage(format!("cannot read {what}: {}", describe(&e))))?;
    let buf = Zeroizing::new(buf);
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
