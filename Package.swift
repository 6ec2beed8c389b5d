// swift-tools-version:6.2
import PackageDescription

// Release builds of libgdopt.so carry the Swift runtime inside (-static-stdlib) and
// export only gdopt_* (gdopt.map). Test targets link the core directly, because a test
// binary cannot link a target built with -static-stdlib.
let releaseOnly = BuildSettingCondition.when(configuration: .release)

/// The hot loops' flags: sqrt must not set errno (or no loop vectorises), and the level's
/// -march reaches Swift's code generation through the Clang importer.
func loopFlags(_ march: [String]) -> [SwiftSetting] {
    [.unsafeFlags((["-fno-math-errno"] + march).flatMap { ["-Xcc", $0] })]
}

let package = Package(
    name: "gdopt",
    products: [
        .library(name: "gdopt", type: .dynamic, targets: ["GDOptCABI"]),
        .library(name: "GDOpt", targets: ["GDOpt"]),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "GDOptElements"),
        // One source directory, compiled for three SIMD levels (Sources/GDOptLoops/Loops.swift).
        .target(name: "GDOptLoops", dependencies: ["GDOptElements"], swiftSettings: loopFlags([])),
        .target(
            name: "GDOptLoopsAVX2", dependencies: ["GDOptElements"], swiftSettings: loopFlags(["-march=x86-64-v3"])),
        .target(
            name: "GDOptLoopsAVX512", dependencies: ["GDOptElements"],
            swiftSettings: loopFlags(["-march=x86-64-v4", "-mprefer-vector-width=512"])),
        .target(
            name: "GDOpt",
            dependencies: ["COpenBLAS", "GDOptElements", "GDOptLoops", "GDOptLoopsAVX2", "GDOptLoopsAVX512"],
            swiftSettings: [
                // sqrt must not set errno, or the update loops cannot vectorise. Release is -O,
                // not -Ounchecked: it measured the same on the kernels and solvers and ~2% slower
                // on the tape (README, "Build flags"), and a missed check stays a trap, not UB.
                .unsafeFlags(["-Xcc", "-fno-math-errno"])
            ]),
        .target(name: "GDOptShim"),
        .target(
            name: "GDOptCABI",
            dependencies: ["GDOpt", "GDOptShim"],
            swiftSettings: [
                .unsafeFlags(["-Xcc", "-fmodule-map-file=include/module.modulemap", "-Xcc", "-Iinclude"])
            ],
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-static-stdlib", "-use-ld=lld", "-Xlinker", "--version-script=gdopt.map", "-Xlinker", "-z",
                        "-Xlinker", "nodelete",
                    ],
                    releaseOnly)
            ]),
        .testTarget(name: "GDOptTests", dependencies: ["GDOpt"]),
    ]
)
