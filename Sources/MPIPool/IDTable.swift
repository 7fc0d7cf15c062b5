/// A map from ids handed out in increasing order (job and submission ids) to values, kept as
/// an array indexed from the oldest id still present: a lookup is a subtraction and an index,
/// not a hash (Swift's `Dictionary` hashes every `Int` key with SipHash: sixteen lookups per
/// `applyAsync`, 8 % of the master's instructions, measured with callgrind).
///
/// Any id may be stored, in any order; ids older than the window, and the oldest ones when a
/// long-lived entry would hold a window mostly of holes, go to a dictionary on the side, so the
/// memory stays proportional to the entries present.
struct IDTable<Value> {
    /// The id of `slots[head]`.
    private var base = 0
    private var head = 0
    private var slots: [Value?] = []
    /// Entries outside the window (older than `base`).
    private var aside: [Int: Value] = [:]
    /// Entries present.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }
    /// Slots in the window, holes included (for tests: the memory it holds).
    var windowSlots: Int { slots.count - head }

    subscript(id: Int) -> Value? {
        get {
            if id >= base {
                let i = head + (id - base)
                return i < slots.count ? slots[i] : nil
            }
            return aside[id]
        }
        _modify {
            if count == 0 && base != id {
                // Empty: the window starts again at this id.
                slots.removeAll(keepingCapacity: true)
                head = 0
                base = id
            }
            if id < base {
                let had = aside[id] != nil
                yield &aside[id]
                let has = aside[id] != nil
                if had != has { count += has ? 1 : -1 }
                return
            }
            let i = head + (id - base)
            if i >= slots.count {
                // Not present: only a write makes room for it.
                var value: Value? = nil
                yield &value
                guard let value else { return }
                slots.append(contentsOf: repeatElement(nil, count: i - slots.count))
                slots.append(value)
                count += 1
                trim()
                return
            }
            let had = slots[i] != nil
            yield &slots[i]
            let has = slots[i] != nil
            if had != has {
                count += has ? 1 : -1
                if !has { trim() }
            }
        }
    }

    /// Removes the value for `id` and returns it.
    @discardableResult
    mutating func removeValue(forKey id: Int) -> Value? {
        let value = self[id]
        if value != nil { self[id] = nil }
        return value
    }

    mutating func removeAll() {
        self = IDTable()
    }

    /// The entries present, oldest first (the ones aside in no order).
    var entries: [(id: Int, value: Value)] {
        var all: [(id: Int, value: Value)] = aside.map { ($0.key, $0.value) }
        for i in head..<slots.count { if let v = slots[i] { all.append((base + i - head, v)) } }
        return all
    }

    /// The values present (see `entries`).
    var values: [Value] { entries.map(\.value) }

    /// Advances the window past its leading holes; moves the oldest entries aside when the window
    /// is mostly holes; drops the slots behind the window now and then.
    private mutating func trim() {
        while true {
            while head < slots.count && slots[head] == nil {
                head += 1
                base += 1
            }
            guard slots.count - head > 4 * (count - aside.count) + 1024 else { break }
            aside[base] = slots[head]
            slots[head] = nil
        }
        if head > 1024 && head * 2 > slots.count {
            slots.removeFirst(head)
            head = 0
        }
    }
}

extension IDTable: Sendable where Value: Sendable {}
