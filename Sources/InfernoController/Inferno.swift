import ArgumentParser

@main
struct Inferno: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inferno-controller",
        abstract: "Autoscaler and capacity optimizer for LLM inference servers on Kubernetes.",
        discussion: """
            Decides which GPU type and how many replicas each model server gets, so that every service class \
            meets its latency SLOs at the lowest cost and the most important traffic wins when GPUs run short.
            """,
        subcommands: [SimulateCommand.self, OptimizeCommand.self, RunCommand.self, AnalyzeCommand.self, FuzzCommand.self,
                      SolveStageCommand.self, FuzzWorkerCommand.self],
        defaultSubcommand: SimulateCommand.self)
}
