import InfernoControl
import InfernoMIP

/// A variant: one model served in one service class by one Deployment, with the profiles of every accelerator
/// it could run on and its replica bounds.
package struct SimulatedVariant: Codable, Hashable, Sendable {
    package var name: String
    package var namespace: String
    package var model: String
    package var serviceClass: String
    /// The accelerator it starts on.
    package var accelerator: String
    package var profiles: [ModelProfile]
    package var initialReplicas: Int
    package var minReplicas: Int
    package var maxReplicas: Int?
    /// Explicit batch limit (vLLM `--max-num-seqs`); default: the profile's memory bound.
    package var maxBatchSize: Int?
    /// How fast the emulated servers really run, per accelerator, when it differs from ``profiles`` (what the
    /// controller is told): a wrong profile. An accelerator without one runs its configured profile.
    package var trueProfiles: [ModelProfile]?

    package init(name: String, namespace: String, model: String, serviceClass: String, accelerator: String,
         profiles: [ModelProfile], initialReplicas: Int, minReplicas: Int = 0, maxReplicas: Int? = nil,
         maxBatchSize: Int? = nil, trueProfiles: [ModelProfile]? = nil) {
        self.trueProfiles = trueProfiles
        self.name = name
        self.namespace = namespace
        self.model = model
        self.serviceClass = serviceClass
        self.accelerator = accelerator
        self.profiles = profiles
        self.initialReplicas = initialReplicas
        self.minReplicas = minReplicas
        self.maxReplicas = maxReplicas
        self.maxBatchSize = maxBatchSize
    }

    private enum CodingKeys: String, CodingKey {
        case name, namespace, model, serviceClass, accelerator, profiles, initialReplicas, minReplicas, maxReplicas, maxBatchSize,
             trueProfiles
    }

    /// `minReplicas` (0), `maxReplicas`, `maxBatchSize` and `trueProfiles` (none) may be left out.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(name: try c.decode(String.self, forKey: .name), namespace: try c.decode(String.self, forKey: .namespace),
                  model: try c.decode(String.self, forKey: .model), serviceClass: try c.decode(String.self, forKey: .serviceClass),
                  accelerator: try c.decode(String.self, forKey: .accelerator),
                  profiles: try c.decode([ModelProfile].self, forKey: .profiles),
                  initialReplicas: try c.decode(Int.self, forKey: .initialReplicas),
                  minReplicas: try c.decodeIfPresent(Int.self, forKey: .minReplicas) ?? 0,
                  maxReplicas: try c.decodeIfPresent(Int.self, forKey: .maxReplicas),
                  maxBatchSize: try c.decodeIfPresent(Int.self, forKey: .maxBatchSize),
                  trueProfiles: try c.decodeIfPresent([ModelProfile].self, forKey: .trueProfiles))
    }

    package var deploymentSpec: SimulatedDeploymentSpec {
        var spec = SimulatedDeploymentSpec(namespace: namespace, name: name, model: model, accelerator: accelerator,
                                           profiles: profiles, replicas: initialReplicas, maxBatchSize: maxBatchSize)
        spec.trueProfiles = trueProfiles
        return spec
    }

    /// The deployment with the class's targets attached for refereeing.
    package func deploymentSpec(classes: [ServiceClass]) -> SimulatedDeploymentSpec {
        var spec = deploymentSpec
        if let t = classes.first(where: { $0.name == serviceClass })?.targets[model] {
            spec.sloTarget = SLOTarget(itlMilliseconds: t.itlMilliseconds, ttftMilliseconds: t.ttftMilliseconds)
        }
        return spec
    }
}

/// Everything a simulated run needs, as one JSON document: the cluster (nodes, accelerators and their costs),
/// the service classes, the variants and a load trace per model. Optional keys (`drainGraceSeconds`,
/// `routing`, `tokenLengths`) take the defaults below when absent.
package struct SimulationScenario: Codable, Hashable, Sendable {
    package var name: String
    package var seed: UInt64
    /// Length of the run, simulated seconds.
    package var durationSeconds: Double
    /// From a replica's binding to its readiness, seconds.
    package var startupDelaySeconds: Double
    /// Termination grace period of a stopping replica, seconds (default 30, Kubernetes').
    package var drainGraceSeconds: Double
    /// Default `loadAware` (llm-d's endpoint picker); `random` is a plain Kubernetes Service.
    package var routing: RoutingPolicy
    /// Default exponential input and output lengths.
    package var tokenLengths: TokenLengths
    package var nodes: [SimulatedNode]
    package var accelerators: [Accelerator]
    package var serviceClasses: [ServiceClass]
    package var variants: [SimulatedVariant]
    package var loads: [LoadTrace]

    package init(name: String, seed: UInt64, durationSeconds: Double, startupDelaySeconds: Double,
         drainGraceSeconds: Double = 30, routing: RoutingPolicy = .loadAware, tokenLengths: TokenLengths = .exponential,
         nodes: [SimulatedNode], accelerators: [Accelerator], serviceClasses: [ServiceClass],
         variants: [SimulatedVariant], loads: [LoadTrace]) {
        self.name = name
        self.seed = seed
        self.durationSeconds = durationSeconds
        self.startupDelaySeconds = startupDelaySeconds
        self.drainGraceSeconds = drainGraceSeconds
        self.routing = routing
        self.tokenLengths = tokenLengths
        self.nodes = nodes
        self.accelerators = accelerators
        self.serviceClasses = serviceClasses
        self.variants = variants
        self.loads = loads
    }

    private enum CodingKeys: String, CodingKey {
        case name, seed, durationSeconds, startupDelaySeconds, drainGraceSeconds, routing, tokenLengths, nodes,
             accelerators, serviceClasses, variants, loads
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try c.decode(String.self, forKey: .name),
            seed: try Self.decodeSeed(c),
            durationSeconds: try c.decode(Double.self, forKey: .durationSeconds),
            startupDelaySeconds: try c.decode(Double.self, forKey: .startupDelaySeconds),
            drainGraceSeconds: try c.decodeIfPresent(Double.self, forKey: .drainGraceSeconds) ?? 30,
            routing: try c.decodeIfPresent(RoutingPolicy.self, forKey: .routing) ?? .loadAware,
            tokenLengths: try c.decodeIfPresent(TokenLengths.self, forKey: .tokenLengths) ?? .exponential,
            nodes: try c.decode([SimulatedNode].self, forKey: .nodes),
            accelerators: try c.decode([Accelerator].self, forKey: .accelerators),
            serviceClasses: try c.decode([ServiceClass].self, forKey: .serviceClasses),
            variants: try c.decode([SimulatedVariant].self, forKey: .variants),
            loads: try c.decode([LoadTrace].self, forKey: .loads))
    }

    /// The decoder says only "not valid JSON" for a seed out of UInt64's range (-1); this names the field.
    private static func decodeSeed(_ c: KeyedDecodingContainer<CodingKeys>) throws -> UInt64 {
        if let seed = try? c.decode(UInt64.self, forKey: .seed) { return seed }
        let found = (try? c.decode(Double.self, forKey: .seed)).map { "\($0)" } ?? "something that is not a number"
        throw DecodingError.dataCorruptedError(forKey: .seed, in: c,
                                               debugDescription: "expected a whole number from 0 to \(UInt64.max), found \(found)")
    }

    /// Cards per GPU type over all nodes, in the analyzer's terms.
    package var capacity: Capacity {
        var cards: [String: Int] = [:]
        for node in nodes { for (type, count) in node.gpus { cards[type, default: 0] += count } }
        return Capacity(cards)
    }

    package var clusterConfiguration: SimulatedCluster.Configuration {
        SimulatedCluster.Configuration(startupDelaySeconds: startupDelaySeconds, drainGraceSeconds: drainGraceSeconds,
                                       routing: routing, seed: seed)
    }

    /// Checks cross-references: unique variant names per namespace, known classes and accelerators, a
    /// profile for every variant's starting accelerator, at most one trace per model.
    package func validate() throws {
        var seen = Set<String>()
        let accelerators = Set(self.accelerators.map(\.name))
        let classes = Set(serviceClasses.map(\.name))
        for v in variants {
            guard seen.insert("\(v.namespace)/\(v.name)").inserted else {
                throw SimulationError.invalidScenario("variant \"\(v.namespace)/\(v.name)\" is defined twice")
            }
            guard classes.contains(v.serviceClass) else {
                throw SimulationError.invalidScenario("variant \"\(v.name)\": unknown service class \"\(v.serviceClass)\"")
            }
            for p in v.profiles where !accelerators.contains(p.accelerator) {
                throw SimulationError.unknownAccelerator(deployment: "\(v.namespace)/\(v.name)", accelerator: p.accelerator)
            }
            guard v.profiles.contains(where: { $0.accelerator == v.accelerator }) else {
                throw SimulationError.missingProfile(deployment: "\(v.namespace)/\(v.name)", model: v.model,
                                                     accelerator: v.accelerator)
            }
            try v.validateTrueProfiles()
            if let max = v.maxReplicas, max < v.minReplicas {
                throw SimulationError.invalidScenario("variant \"\(v.name)\": maxReplicas \(max) < minReplicas \(v.minReplicas)")
            }
        }
        var models = Set<String>()
        for trace in loads where !models.insert(trace.model).inserted {
            throw SimulationError.invalidScenario("model \"\(trace.model)\" has two load traces")
        }
        let problems = boundsProblems()
        if !problems.isEmpty { throw SimulationError.invalidScenario(problems.joined(separator: "; ")) }
    }

    /// The cluster at time 0: nodes, the variants' deployments at their initial replicas, the load traces.
    package func makeCluster() throws -> SimulatedCluster {
        try validate()
        var cluster = SimulatedCluster(nodes: nodes, accelerators: accelerators, configuration: clusterConfiguration)
        // Traces first, so the batch limits of the first replicas see the models' output lengths.
        for trace in loads { cluster.setLoad(trace, tokenLengths: tokenLengths) }
        for v in variants { try cluster.addDeployment(v.deploymentSpec(classes: serviceClasses)) }
        return cluster
    }

    /// The offered load of `model` at `t` seconds, in the analyzer's terms (zero without a trace).
    package func load(of model: String, at t: Double) -> Load {
        guard let trace = loads.first(where: { $0.model == model }) else { return .zero }
        return Load(arrivalRatePerMinute: trace.rate(at: t), meanInputTokens: trace.meanInputTokens,
                    meanOutputTokens: trace.meanOutputTokens)
    }
}
