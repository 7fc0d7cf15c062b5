#if canImport(Glibc)
import Glibc
#endif

/// Writes whole lines straight to a file descriptor, unbuffered.
///
/// Under `mpirun`, stdout is a pipe and Swift's `print` buffers until exit;
/// task output should appear as it happens, one intact line at a time (a
/// single `write` of less than PIPE_BUF bytes is never interleaved).
public enum Console {
    /// Writes `line` and a newline to standard output at once.
    public static func out(_ line: String) { write(raw: line + "\n", to: 1) }
    /// Writes `line` and a newline to standard error at once.
    public static func error(_ line: String) { write(raw: line + "\n", to: 2) }

    /// Writes `text` as is (no newline added) to a file descriptor, retrying short writes.
    public static func write(raw text: String, to fd: Int32) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n <= 0 { if errno == EINTR { continue } else { return } }
                offset += n
            }
        }
    }
}
