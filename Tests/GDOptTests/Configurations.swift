import Testing

/// The hyperparameter tables the reference tests run over: every option of every kind,
/// alone and in combination, plus gradient clipping.
struct Case: CustomTestStringConvertible, Sendable {
    let kind: String
    let h: [String: Double]
    var testDescription: String {
        "\(kind) " + h.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
}

func product(_ axes: [(String, [Double])]) -> [[String: Double]] {
    axes.reduce([[:]]) { partial, axis in
        partial.flatMap { row in axis.1.map { value in row.merging([axis.0: value]) { $1 } } }
    }
}

/// Every kind by its C name, typed in here (not read from the library).
let allKinds = [
    "sgd", "adagrad", "rmsprop", "adam", "adamw", "lion", "adamax", "adadelta", "rprop", "nadam", "radam", "asgd",
]

let referenceCases: [Case] = {
    var cases: [Case] = []
    for h in product([
        ("lr", [1e-3, 0.1]), ("momentum", [0, 0.9]), ("dampening", [0, 0.3]), ("nesterov", [0, 1]),
        ("weight_decay", [0, 1e-2]), ("maximize", [0, 1]),
    ])
    where h["nesterov"] == 0 || (h["momentum"]! > 0 && h["dampening"] == 0) {
        cases.append(Case(kind: "sgd", h: h))
    }
    for h in product([
        ("lr", [1e-2, 0.5]), ("lr_decay", [0, 0.01]), ("weight_decay", [0, 0.1]),
        ("initial_accumulator_value", [0, 0.1]), ("eps", [1e-10, 1e-3]), ("maximize", [0, 1]),
    ]) {
        cases.append(Case(kind: "adagrad", h: h))
    }
    for h in product([
        ("lr", [1e-2, 1e-3]), ("alpha", [0.99, 0.5]), ("eps", [1e-8, 1e-3]), ("weight_decay", [0, 0.1]),
        ("momentum", [0, 0.9]), ("centered", [0, 1]), ("maximize", [0, 1]),
    ]) {
        cases.append(Case(kind: "rmsprop", h: h))
    }
    for kind in ["adam", "adamw"] {
        for h in product([
            ("lr", [1e-3, 0.05]), ("beta1", [0.9, 0.5]), ("beta2", [0.999, 0.9]), ("eps", [1e-8, 1e-3]),
            ("weight_decay", [0, 0.1]), ("amsgrad", [0, 1]), ("maximize", [0, 1]),
        ]) {
            cases.append(Case(kind: kind, h: h))
        }
    }
    for h in product([
        ("lr", [1e-4, 0.01]), ("beta1", [0.9, 0.5]), ("beta2", [0.99, 0.9]), ("weight_decay", [0, 0.1]),
        ("maximize", [0, 1]),
    ]) {
        cases.append(Case(kind: "lion", h: h))
    }
    for h in product([
        ("lr", [2e-3, 0.05]), ("beta1", [0.9, 0.5]), ("beta2", [0.999, 0.9]), ("eps", [1e-8, 1e-3]),
        ("weight_decay", [0, 0.1]), ("maximize", [0, 1]),
    ]) {
        cases.append(Case(kind: "adamax", h: h))
    }
    for h in product([
        ("lr", [1, 0.1]), ("rho", [0.9, 0.5, 1]), ("eps", [1e-6, 1e-3]), ("weight_decay", [0, 0.1]),
        ("maximize", [0, 1]),
    ]) {
        cases.append(Case(kind: "adadelta", h: h))
    }
    for h in product([
        ("lr", [1e-2, 0.1]), ("eta_minus", [0.5, 0.3]), ("eta_plus", [1.2, 2]), ("step_size_min", [1e-6, 0.05]),
        ("step_size_max", [50, 0.2]), ("maximize", [0, 1]),
    ]) {
        cases.append(Case(kind: "rprop", h: h))
    }
    for h in product([
        ("lr", [2e-3, 0.05]), ("beta1", [0.9, 0.5]), ("beta2", [0.999, 0.9]), ("weight_decay", [0, 0.1]),
        ("momentum_decay", [4e-3, 0.1]), ("decoupled_weight_decay", [0, 1]), ("maximize", [0, 1]),
    ]) {
        cases.append(Case(kind: "nadam", h: h))
    }
    // beta2 = 0.999 rectifies from step 6 on, 0.9 from step 5 (rho_t > 5); eps 1e-3 shows in the rectified steps.
    for h in product([
        ("lr", [1e-3, 0.05]), ("beta1", [0.9, 0.5]), ("beta2", [0.999, 0.9]), ("eps", [1e-8, 1e-3]),
        ("weight_decay", [0, 0.1]), ("decoupled_weight_decay", [0, 1]), ("maximize", [0, 1]),
    ]) {
        cases.append(Case(kind: "radam", h: h))
    }
    // t0 = 10 starts the averaging (mu != 1) within the run.
    for h in product([
        ("lr", [1e-2, 0.1]), ("lambd", [1e-4, 0.1]), ("alpha", [0.75, 0.5]), ("t0", [1e6, 10]),
        ("weight_decay", [0, 0.1]), ("maximize", [0, 1]),
    ]) {
        cases.append(Case(kind: "asgd", h: h))
    }
    for h in product([
        ("lr", [1e-2, 0.1]), ("beta2_decay", [-0.8, -0.5]), ("eps1", [0, 1e-3]), ("eps2", [1e-3, 0.5]),
        ("d", [1, 3]), ("weight_decay", [0, 0.1]), ("maximize", [0, 1]),
    ]) {
        cases.append(Case(kind: "adafactor", h: h))
    }
    // Clipping by norm on every kind, with a norm both below and above the gradients'.
    for kind in allKinds {
        for maxNorm in [0.5, 100] {
            cases.append(
                Case(
                    kind: kind,
                    h: [
                        "max_grad_norm": maxNorm, "maximize": 1,
                        "momentum": kind == "sgd" || kind == "rmsprop" ? 0.5 : 0,
                    ]
                    .filter { kind == "sgd" || kind == "rmsprop" || $0.key != "momentum" }))
        }
    }
    return cases
}()
