import InfernoControl
import InfernoPrometheus
import Logging

extension ControllerSettings {
    /// The load source these settings describe, and the client to shut down at exit (nil without Prometheus).
    func makeLoadSource(logger: Logger) throws -> (source: any LoadSource, client: PrometheusClient?) {
        guard let configuration = prometheus else { return (NoPrometheusLoadSource(), nil) }
        let client = try PrometheusClient(configuration: configuration)
        var source = PrometheusLoadSource(client: client, queries: VLLMQueries(arrivalCounter: arrivalCounter), logger: logger)
        source.gatewayQuery = gatewayQuery
        return (source, client)
    }
}
