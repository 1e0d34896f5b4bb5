import InfernoControl
import InfernoMIP

/// A binary min-heap of payloads keyed by a `Double` (an event time or a virtual-time deadline).
///
/// Equal keys leave in insertion order (a sequence number breaks ties), so event order never depends on
/// heap internals and runs stay reproducible.
package struct MinHeap<Payload> {
    fileprivate struct Entry {
        package var key: Double
        package var sequence: UInt64
        package var payload: Payload
    }

    private var entries: [Entry] = []
    private var nextSequence: UInt64 = 0

    package var isEmpty: Bool { entries.isEmpty }
    package var count: Int { entries.count }
    package var minKey: Double? { entries.first?.key }
    package var min: (key: Double, payload: Payload)? { entries.first.map { ($0.key, $0.payload) } }

    /// All payloads, in no particular order.
    package var payloads: [Payload] { entries.map(\.payload) }

    package mutating func push(_ payload: Payload, key: Double) {
        entries.append(Entry(key: key, sequence: nextSequence, payload: payload))
        nextSequence &+= 1
        siftUp(entries.count - 1)
    }

    @discardableResult
    package mutating func popMin() -> (key: Double, payload: Payload)? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let top = entries.removeLast()
        if !entries.isEmpty { siftDown(0) }
        return (top.key, top.payload)
    }

    package mutating func removeAll() { entries.removeAll(keepingCapacity: true) }

    private func less(_ a: Int, _ b: Int) -> Bool {
        let x = entries[a], y = entries[b]
        return x.key < y.key || (x.key == y.key && x.sequence < y.sequence)
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(child, parent) else { return }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        let n = entries.count
        while true {
            let left = 2 * parent + 1
            guard left < n else { return }
            var smallest = left
            if left + 1 < n && less(left + 1, left) { smallest = left + 1 }
            guard less(smallest, parent) else { return }
            entries.swapAt(smallest, parent)
            parent = smallest
        }
    }
}

extension MinHeap: Sendable where Payload: Sendable {}
extension MinHeap.Entry: Sendable where Payload: Sendable {}

/// A first-in first-out queue with O(1) amortised push and pop (an array and a moving head).
package struct FIFOQueue<Element> {
    private var storage: [Element] = []
    private var head = 0

    package var count: Int { storage.count - head }
    package var isEmpty: Bool { head == storage.count }
    package var elements: ArraySlice<Element> { storage[head...] }

    package mutating func append(_ element: Element) { storage.append(element) }

    package mutating func popFirst() -> Element? {
        guard head < storage.count else { return nil }
        let element = storage[head]
        head += 1
        if head >= 1024 && head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return element
    }

    package mutating func removeAll() {
        storage.removeAll(keepingCapacity: true)
        head = 0
    }
}

extension FIFOQueue: Sendable where Element: Sendable {}
