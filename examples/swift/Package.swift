// swift-tools-version:6.2
// A Swift program that uses gdopt's core directly (no C ABI): `swift run` in this folder.
import PackageDescription

let package = Package(
    name: "FitLine",
    dependencies: [.package(name: "gdopt", path: "../..")],
    targets: [.executableTarget(name: "FitLine", dependencies: [.product(name: "GDOpt", package: "gdopt")])]
)
