/// A growable block of raw bytes that MPI reads from or writes into.
///
/// A class so that an in-flight `Request` can keep it alive: MPI may touch the
/// memory until the request completes. Raw memory rather than `[UInt8]`
/// avoids copy-on-write on the hot path.
///
/// A buffer belongs to one thread at a time (the one making MPI calls), so
/// its properties skip Swift's dynamic exclusivity checks: measured with
/// callgrind, those checks were a fifth of the master's instructions.
public final class MessageBuffer {
    /// Start of the memory. Valid for `capacity` bytes until the next `reserve`.
    @exclusivity(unchecked) public private(set) var base: UnsafeMutableRawPointer
    /// Bytes allocated.
    @exclusivity(unchecked) public private(set) var capacity: Int
    /// Bytes in use (what a send sends; what a receive received).
    @exclusivity(unchecked) public var count: Int

    /// A buffer with room for `capacity` bytes and `count` 0.
    public init(capacity: Int = 256) {
        self.capacity = max(capacity, 16)
        self.base = .allocate(byteCount: self.capacity, alignment: 16)
        self.count = 0
    }

    /// A buffer holding a copy of `bytes`.
    public convenience init(copying bytes: UnsafeRawBufferPointer) {
        self.init(capacity: bytes.count)
        if let source = bytes.baseAddress { base.copyMemory(from: source, byteCount: bytes.count) }
        count = bytes.count
    }

    /// Makes room for at least `needed` bytes, keeping the first `count`.
    @inline(__always)
    public func reserve(_ needed: Int) {
        if needed > capacity { grow(needed) }
    }

    @inline(never)
    private func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        newBase.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// The bytes in use.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// A copy of the bytes in use.
    public var array: [UInt8] { Array(bytes) }

    deinit { base.deallocate() }
}
