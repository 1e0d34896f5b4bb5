import ArgumentParser
import Testing
@testable import InfernoController

/// Issue 12's bounds on the loop's durations, at both entrances: the flags of `run` and `simulate`, and the settings
/// ConfigMap and environment. `--lookahead 1e300` and `--stabilization-window 1e300` trapped in an `Int` conversion
/// before; `--interval 1ns` asked the simulation for 1.8 trillion cycles.
@Suite struct DurationBoundsTests {
    static func message(_ arguments: [String]) -> String? {
        do {
            _ = try SimulateCommand.parse(arguments)
            return nil
        } catch {
            return SimulateCommand.message(for: error)
        }
    }

    @Test func hugeWindowsAreErrorsNamingTheFlag() {
        for flag in ["--lookahead", "--stabilization-window", "--retention-window"] {
            let message = Self.message([flag, "1e300"])
            #expect(message?.contains(flag) == true && message?.contains("720h") == true, "\(flag): \(message ?? "accepted")")
        }
        #expect(Self.message(["--stabilization-window", "721h"])?.contains("longer than 720h") == true)
        #expect(Self.message(["--stabilization-window", "720h"]) == nil)
    }

    @Test func theIntervalIsAtLeastASecond() {
        #expect(Self.message(["--interval", "1ns"])?.contains("must be at least 1s") == true)
        #expect(Self.message(["--interval", "999ms"])?.contains("must be at least 1s") == true)
        #expect(Self.message(["--interval", "1s"]) == nil)
    }

    @Test func plainSecondsAreDecimalOnly() {
        #expect(Self.message(["--lookahead", "0x10"]) != nil, "hexadecimal is not a number of seconds")
        #expect(Self.message(["--lookahead", "nan"]) != nil)
        #expect(Self.message(["--lookahead", "90"]) == nil)
    }

    @Test func settingsBoundTheIntervalAndTheRetention() {
        func error(_ configMap: [String: String]) -> String? {
            do { _ = try ControllerSettings.resolve(configMap: configMap); return nil } catch { return "\(error)" }
        }
        #expect(error(["GLOBAL_OPT_INTERVAL": "1000000h"])?.contains("GLOBAL_OPT_INTERVAL (ConfigMap)") == true)
        #expect(error(["GLOBAL_OPT_INTERVAL": "500ms"])?.contains("from 1s to 720h") == true)
        #expect(error(["INFERNO_SCALE_TO_ZERO_RETENTION": "9999h"])?.contains("from 0 to 720h") == true)
        #expect(error(["GLOBAL_OPT_INTERVAL": "30s", "INFERNO_SCALE_TO_ZERO_RETENTION": "720h"]) == nil)
    }
}
