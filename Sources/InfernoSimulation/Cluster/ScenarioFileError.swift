/// A scenario file that cannot be used: printed as it is, without a usage text (the arguments were fine).
package struct ScenarioFileError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
