/// A byte-level Aho-Corasick automaton compiled to a flat DFA, with a two-byte prefix filter that
/// lets the scan skip most positions without touching the automaton.
///
/// - Bytes are mapped to classes (bytes absent from every pattern share class 0), so a row of the
///   table has one entry per class rather than 256.
/// - Table entries are premultiplied by the class count (the next state's row offset).
/// - States with output are numbered last, so "is there a match here" is one comparison.
struct ResidueAutomaton: Sendable {
    /// One pattern: its bytes and what it stands for.
    struct Pattern: Sendable {
        let bytes: [UInt8]
        let identifierIndex: Int
        let encoding: ResidueEncoding
    }

    let patterns: [Pattern]
    let classCount: Int
    /// Byte → class.
    let classes: [UInt8]
    /// Row-major transitions, premultiplied: next = table[state + class].
    let table: [Int32]
    /// Premultiplied states at or above this have output.
    let matchThreshold: Int32
    /// For output state k (premultiplied state / classCount − firstMatchState): patterns in outputs[outputStarts[k]..<outputStarts[k+1]].
    let outputStarts: [Int32]
    let outputs: [Int32]
    let firstMatchState: Int
    /// 65,536-bit set of the first two bytes of every pattern; `nil` when a pattern has one byte.
    let pairFilter: [UInt64]?

    init(patterns: [Pattern], asciiCaseInsensitive: Bool) {
        self.patterns = patterns
        func fold(_ byte: UInt8) -> UInt8 {
            asciiCaseInsensitive && byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
        }
        // Byte classes.
        var classOf = [UInt8](repeating: 0, count: 256)
        var next = 1
        var used = [Bool](repeating: false, count: 256)
        for pattern in patterns { for byte in pattern.bytes { used[Int(fold(byte))] = true } }
        var folded = [Int](repeating: 0, count: 256)
        for byte in 0..<256 where used[byte] && fold(UInt8(byte)) == UInt8(byte) {
            folded[byte] = next
            next += 1
        }
        precondition(next <= 256, "at most 255 distinct pattern bytes")
        for byte in 0..<256 { classOf[byte] = UInt8(folded[Int(fold(UInt8(byte)))]) }
        classes = classOf
        let count = next
        classCount = count

        // Trie.
        var children: [[Int32]] = [[Int32](repeating: -1, count: count)]
        var ends: [[Int32]] = [[]]
        for (index, pattern) in patterns.enumerated() {
            var state = 0
            for byte in pattern.bytes {
                let cls = Int(classOf[Int(byte)])
                if children[state][cls] < 0 {
                    children[state][cls] = Int32(children.count)
                    children.append([Int32](repeating: -1, count: count))
                    ends.append([])
                }
                state = Int(children[state][cls])
            }
            ends[state].append(Int32(index))
        }
        // Breadth-first: failure links, full transitions, merged outputs.
        let stateCount = children.count
        var fail = [Int32](repeating: 0, count: stateCount)
        var delta = children
        var order: [Int] = [0]
        var head = 0
        for cls in 0..<count {
            if delta[0][cls] < 0 { delta[0][cls] = 0 } else { order.append(Int(delta[0][cls])) }
        }
        head = 1
        while head < order.count {
            let state = order[head]
            head += 1
            ends[state] += ends[Int(fail[state])]
            for cls in 0..<count {
                let child = children[state][cls]
                if child >= 0 {
                    fail[Int(child)] = delta[Int(fail[state])][cls]
                    delta[state][cls] = child
                    order.append(Int(child))
                } else {
                    delta[state][cls] = delta[Int(fail[state])][cls]
                }
            }
        }
        // Failure targets are shallower, so their outputs were merged before their children's.
        // Renumber: states without output first (root stays 0), then states with output.
        var newIndex = [Int](repeating: 0, count: stateCount)
        var plain: [Int] = []
        var matching: [Int] = []
        for state in 0..<stateCount { if ends[state].isEmpty { plain.append(state) } else { matching.append(state) } }
        for (index, state) in (plain + matching).enumerated() { newIndex[state] = index }
        var flat = [Int32](repeating: 0, count: stateCount * count)
        for state in 0..<stateCount {
            let row = newIndex[state] * count
            for cls in 0..<count { flat[row + cls] = Int32(newIndex[Int(delta[state][cls])] * count) }
        }
        table = flat
        firstMatchState = plain.count
        matchThreshold = Int32(plain.count * count)
        var starts: [Int32] = [0]
        var list: [Int32] = []
        for state in matching {
            list += ends[state]
            starts.append(Int32(list.count))
        }
        outputStarts = starts
        outputs = list

        if patterns.allSatisfy({ $0.bytes.count >= 2 }) {
            var bits = [UInt64](repeating: 0, count: 1024)
            for pattern in patterns {
                for first in 0..<256 where classOf[first] == classOf[Int(pattern.bytes[0])] {
                    for second in 0..<256 where classOf[second] == classOf[Int(pattern.bytes[1])] {
                        let pair = first << 8 | second
                        bits[pair >> 6] |= 1 << UInt64(pair & 63)
                    }
                }
            }
            pairFilter = bits
        } else {
            pairFilter = nil
        }
    }

    /// Runs the automaton over `buffer` from `state`, calling `found(endOffset, patternIndex)` for
    /// each match (endOffset = index of the match's last byte in `buffer`). Returns the final state.
    @inline(__always)
    func run(
        _ buffer: UnsafeRawBufferPointer, state start: Int32, found: (Int, Int) -> Void
    ) -> Int32 {
        var state = start
        let count = buffer.count
        guard count > 0, let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return state }
        let threshold = matchThreshold
        let classCount = self.classCount
        let firstMatch = firstMatchState
        classes.withUnsafeBufferPointer { classes in
            table.withUnsafeBufferPointer { table in
                func step(_ index: Int) {
                    state = table[Int(state) + Int(classes[Int(base[index])])]
                    if state >= threshold {
                        let output = Int(state) / classCount - firstMatch
                        for slot in Int(outputStarts[output])..<Int(outputStarts[output + 1]) {
                            found(index, Int(outputs[slot]))
                        }
                    }
                }
                var index = 0
                if let pairFilter {
                    pairFilter.withUnsafeBufferPointer { bits in
                        let last = count - 1
                        while index < last {
                            if state == 0 {
                                // Skip positions where no pattern can start.
                                while index < last {
                                    let pair = Int(base[index]) << 8 | Int(base[index + 1])
                                    if bits[pair >> 6] & (1 << UInt64(pair & 63)) != 0 { break }
                                    index += 1
                                }
                                if index >= last { break }
                            }
                            step(index)
                            index += 1
                        }
                    }
                }
                while index < count {
                    step(index)
                    index += 1
                }
            }
        }
        return state
    }
}
