import Testing
@testable import MPIPool

/// `IDTable` against a `Dictionary` under the same operations.
@Suite struct IDTableTests {
    /// A small deterministic generator (the same sequence every run).
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    static func check(_ table: IDTable<Int>, _ model: [Int: Int], _ step: Int) {
        #expect(table.count == model.count, "count at step \(step)")
        let entries = Dictionary(uniqueKeysWithValues: table.entries.map { ($0.id, $0.value) })
        #expect(entries == model, "entries at step \(step)")
    }

    @Test(arguments: [1, 2, 3])
    func behavesAsADictionaryForIdsInOrderWithStragglers(seed: Int) {
        var table = IDTable<Int>()
        var model: [Int: Int] = [:]
        var generator = Generator(state: UInt64(seed))
        var nextID = 0
        var live: [Int] = []
        for step in 0..<60_000 {
            switch generator.next(10) {
            case 0..<4:
                // A new id, as the pool hands them out (past any given out of order).
                while model[nextID] != nil { nextID += 1 }
                table[nextID] = step
                model[nextID] = step
                live.append(nextID)
                nextID += 1
            case 4..<7 where !live.isEmpty:
                // Mostly the oldest ids finish; one in ten stays for a long time.
                let at = generator.next(10) == 0 ? live.count - 1 : generator.next(min(live.count, 8))
                let id = live.remove(at: at)
                #expect(table.removeValue(forKey: id) == model.removeValue(forKey: id), "remove \(id) at step \(step)")
            case 7 where !live.isEmpty:
                let id = live[generator.next(live.count)]
                table[id]! += 1
                model[id]! += 1
            case 8:
                // Reads and modifies of ids that are not there change nothing.
                let id = generator.next(nextID + 100) - 50
                #expect(table[id] == model[id])
                table[id]? += 1
                model[id]? += 1
            default:
                // An id given out of order (older than the window, or far ahead).
                if generator.next(50) == 0 {
                    let id = generator.next(2) == 0 ? -1 - generator.next(1000) : nextID + 5_000 + generator.next(100)
                    if model[id] == nil {
                        table[id] = step
                        model[id] = step
                        live.append(id)
                    }
                }
            }
            if step % 997 == 0 { Self.check(table, model, step) }
        }
        Self.check(table, model, 60_000)
        for id in live { #expect(table.removeValue(forKey: id) != nil) }
        #expect(table.isEmpty && table.entries.isEmpty)
    }

    @Test func oneLongLivedEntryDoesNotHoldAWindowOfHoles() {
        var table = IDTable<Int>()
        table[0] = 0
        for id in 1...200_000 {
            table[id] = id
            table[id] = nil
        }
        #expect(table.count == 1 && table[0] == 0)
        #expect(table.windowSlots < 2_000, "the window holds \(table.windowSlots) slots for 1 entry")
        table[200_001] = 1
        #expect(table.count == 2 && table[200_001] == 1 && table[0] == 0)
    }

    @Test func emptiedTableStartsItsWindowAtTheNextId() {
        var table = IDTable<String>()
        table[5] = "a"
        table[6] = "b"
        table.removeAll()
        #expect(table.isEmpty && table[5] == nil)
        table[3] = "c"
        #expect(table[3] == "c" && table.count == 1 && table.values == ["c"])
    }
}
