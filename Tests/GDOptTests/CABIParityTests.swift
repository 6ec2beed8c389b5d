import GDOpt
import Glibc
import Testing

/// The shipped libgdopt.so (release, vectorised, threaded) against the Swift core built
/// for the tests (debug, scalar): the same bits for every reference case. `make test`
/// points GDOPT_LIBRARY at build/lib/libgdopt.so.
struct CLibrary {
    typealias Create = @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<OpaquePointer?>?) -> Int32
    typealias Set = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Double) -> Int32
    typealias Step32 =
        @convention(c) (OpaquePointer?, Int, UnsafeMutablePointer<Float>?, UnsafePointer<Float>?, Int) -> Int32
    typealias Step64 =
        @convention(c) (OpaquePointer?, Int, UnsafeMutablePointer<Double>?, UnsafePointer<Double>?, Int) -> Int32
    typealias Destroy = @convention(c) (OpaquePointer?) -> Void

    let create: Create, set: Set, step32: Step32, step64: Step64, destroy: Destroy

    static let path = getenv("GDOPT_LIBRARY").map { String(cString: $0) }

    init?() {
        guard let path = Self.path, let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else { return nil }
        func symbol<F>(_ name: String, _: F.Type) -> F? { dlsym(handle, name).map { unsafeBitCast($0, to: F.self) } }
        guard let create = symbol("gdopt_optimizer_create", Create.self),
            let set = symbol("gdopt_optimizer_set", Set.self),
            let step32 = symbol("gdopt_optimizer_step_f32", Step32.self),
            let step64 = symbol("gdopt_optimizer_step_f64", Step64.self),
            let destroy = symbol("gdopt_optimizer_destroy", Destroy.self)
        else { return nil }
        (self.create, self.set, self.step32, self.step64, self.destroy) = (create, set, step32, step64, destroy)
    }
}

@Suite(.enabled(if: CLibrary.path != nil, "set GDOPT_LIBRARY to build/lib/libgdopt.so (make test does)"))
struct CABIParityTests {
    @Test(arguments: referenceCases)
    func cAndSwiftGiveTheSameBits(_ c: Case) throws {
        let library = try #require(CLibrary(), "cannot load \(CLibrary.path ?? "")")
        var handle: OpaquePointer?
        #expect(library.create(c.kind, &handle) == 0)
        defer { library.destroy(handle) }
        let swift = try Optimizer(kind: c.kind)
        for (name, value) in c.h {
            #expect(library.set(handle, name, value) == 0)
            try swift.set(name, value)
        }
        var random = TestRandom(state: 99)
        var c64 = random.array(40)
        var c32 = c64.map(Float.init)
        var s64 = c64
        var s32 = c32
        for _ in 0..<30 {
            let g64 = random.array(40)
            let g32 = g64.map(Float.init)
            #expect(library.step64(handle, 0, &c64, g64, 40) == 0)
            #expect(library.step32(handle, 1, &c32, g32, 40) == 0)
            try swift.step(slot: 0, parameters: &s64, gradients: g64)
            try swift.step(slot: 1, parameters: &s32, gradients: g32)
        }
        #expect(c64.map(\.bitPattern) == s64.map(\.bitPattern))
        #expect(c32.map(\.bitPattern) == s32.map(\.bitPattern))
    }
}
