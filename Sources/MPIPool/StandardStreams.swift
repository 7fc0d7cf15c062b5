#if canImport(Glibc)
@preconcurrency import Glibc  // `stdout` and `stderr` are C globals; they are only passed to setvbuf here
#endif

/// Standard output and error as a Python user expects them under `mpirun`.
enum StandardStreams {
    /// Makes stdout and stderr line-buffered. Under `mpirun` stdout is a pipe,
    /// so C (and Swift's `print`) would buffer it in blocks until exit: output
    /// of tasks would arrive late and out of order. Line by line, each `print`
    /// reaches the terminal when it is made, as one intact line.
    /// Called once, at the start of `Pool.run`, before any output of the pool.
    static func lineBuffer() {
        setvbuf(stdout, nil, _IOLBF, 0)
        setvbuf(stderr, nil, _IOLBF, 0)
    }
}
