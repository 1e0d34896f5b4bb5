import Foundation
import InfernoControl
import Testing

/// The one control loop of `run` and `simulate`, on a fake clock: when it cycles is a matter of arithmetic on the
/// interval and the poll period, written out by hand below.
@Suite struct ControlLoopTests {
    @Test func cyclesAtTheIntervalFromTheStart() async throws {
        let clock = FakeClock(start: 1000)
        let log = CycleLog()
        let n = try await Loops.make(FakeCluster(clock: clock), watcher: false, cycles: 4, log: log).run()
        #expect(n == 4)
        #expect(await log.times == [1000, 1060, 1120, 1180])
        // Without a watcher the loop sleeps straight to the next cycle, and not after the last one.
        #expect(await clock.wakeUps == [1060, 1120, 1180])
    }

    @Test func pollsBetweenCyclesAndCyclesAtOnceWhenVariantsChange() async throws {
        let clock = FakeClock()
        // A second variant appears at t = 22: the next poll (every 5 s from 0) that sees it is at 25.
        let cluster = FakeCluster(clock: clock, names: { $0 >= 22 ? ["a", "b"] : ["a"] })
        let log = CycleLog()
        try await Loops.make(cluster, watcher: true, cycles: 3, log: log).run()
        #expect(await log.times == [0, 25, 85])
        // Polls every 5 s between cycles, up to the interval.
        #expect(await Array(clock.wakeUps.prefix(6)) == [5, 10, 15, 20, 25, 30])
    }

    @Test func aFailedCycleIsRetriedAtTheNextIntervalNotFaster() async throws {
        let clock = FakeClock()
        // The cluster cannot be read before t = 100, though the variant list can (a missing ConfigMap, say).
        let cluster = FakeCluster(clock: clock, failing: { $0 < 100 })
        let log = CycleLog()
        try await Loops.make(cluster, watcher: true, cycles: 3, log: log).run()
        #expect(await log.times == [0, 60, 120])
        #expect(await log.failed == [true, true, false])
        #expect(await cluster.observations == [0, 60, 120])
    }

    @Test func onlyTheLeaderCycles() async throws {
        let clock = FakeClock()
        let cluster = FakeCluster(clock: clock)
        let log = CycleLog()
        var loop = Loops.make(cluster, watcher: false, cycles: 2, log: log)
        loop.isLeader = { await clock.now() >= 100 }
        try await loop.run()
        // Cycles due at 0 and 60 are skipped without reading the cluster; the first as leader is at 120.
        #expect(await log.times == [120, 180])
        #expect(await cluster.observations == [120, 180])
    }

    @Test func stopsWhenAsked() async throws {
        let clock = FakeClock()
        let log = CycleLog()
        let stop = StopFlag()
        var loop = Loops.make(FakeCluster(clock: clock), watcher: false, cycles: 100, log: log)
        loop.shouldStop = { stop.isSet }
        loop.onCycle = { report in
            await log.append(report)
            if report.time >= 120 { stop.set() }
        }
        #expect(try await loop.run() == 3)
        #expect(await log.times == [0, 60, 120])
    }
}

/// A flag the loop reads synchronously.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return flag }
    func set() { lock.lock(); flag = true; lock.unlock() }
}
