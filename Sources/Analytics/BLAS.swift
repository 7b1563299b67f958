import CBLAS

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The system BLAS as the analytics layer uses it: the dimension conversion every call goes
/// through, a plain `dgemm` (the peak reference a benchmark compares the kernels against), and
/// which library the process actually runs (OpenBLAS or the reference BLAS, found at run time).
public enum BLAS {
    /// Floating-point operations of one `dgemm` producing an `m × n` result with inner dimension `k`:
    /// `2·m·n·k` (one multiply and one add per term; the `beta·C` scaling is not counted).
    @inlinable
    public static func dgemmFlops(m: Int, n: Int, k: Int) -> Double {
        2 * Double(m) * Double(n) * Double(k)
    }

    /// `c ← alpha · op(a) · op(b) + beta · c` with one `cblas_dgemm` call (column-major; `op` is the
    /// transpose when `transposeA`/`transposeB`). `c` must already have the result's shape.
    /// An empty product (any dimension 0) only scales `c` by `beta`, without calling BLAS.
    public static func dgemm(_ a: Matrix, _ b: Matrix, into c: inout Matrix,
                             transposeA: Bool = false, transposeB: Bool = false,
                             alpha: Double = 1, beta: Double = 0) {
        let m = transposeA ? a.cols : a.rows
        let k = transposeA ? a.rows : a.cols
        let kb = transposeB ? b.cols : b.rows
        let n = transposeB ? b.rows : b.cols
        precondition(k == kb, "dgemm: inner dimensions \(k) and \(kb) differ")
        precondition(c.rows == m && c.cols == n, "dgemm: result is \(c.rows)×\(c.cols), expected \(m)×\(n)")
        if m == 0 || n == 0 { return }
        if k == 0 {
            c.scale(by: beta)
            return
        }
        let ldc = blasInt(c.leadingDimension)
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                c.values.withUnsafeMutableBufferPointer { pc in
                    cblas_dgemm(CblasColMajor, transposeA ? CblasTrans : CblasNoTrans,
                                transposeB ? CblasTrans : CblasNoTrans,
                                blasInt(m), blasInt(n), blasInt(k), alpha,
                                pa.baseAddress, blasInt(a.leadingDimension),
                                pb.baseAddress, blasInt(b.leadingDimension), beta,
                                pc.baseAddress, ldc)
                }
            }
        }
    }

    /// The BLAS library this process runs: OpenBLAS's own configuration string (e.g.
    /// `"OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64"`) when OpenBLAS is loaded,
    /// otherwise `"reference BLAS"` (any library without `openblas_get_config`). Looked up with
    /// `dlsym`, so it reports what the dynamic linker resolved, not what the headers said.
    public static var implementation: String {
        typealias GetConfig = @convention(c) () -> UnsafePointer<CChar>?
        guard let symbol = lookup("openblas_get_config") else { return "reference BLAS" }
        let getConfig = unsafeBitCast(symbol, to: GetConfig.self)
        guard let text = getConfig() else { return "OpenBLAS" }
        return String(cString: text)
    }

    /// OpenBLAS's thread count (`openblas_get_num_threads`), or nil for a library without one.
    public static var threadCount: Int? {
        typealias GetThreads = @convention(c) () -> Int32
        guard let symbol = lookup("openblas_get_num_threads") else { return nil }
        return Int(unsafeBitCast(symbol, to: GetThreads.self)())
    }

    /// Sets OpenBLAS's thread count (`openblas_set_num_threads`); returns false (and does nothing)
    /// for a library without it. A benchmark pins this so its figures state their thread count.
    @discardableResult
    public static func setThreadCount(_ count: Int) -> Bool {
        precondition(count >= 1, "thread count must be at least 1")
        typealias SetThreads = @convention(c) (Int32) -> Void
        guard let symbol = lookup("openblas_set_num_threads") else { return false }
        unsafeBitCast(symbol, to: SetThreads.self)(Int32(clamping: count))
        return true
    }

    private static func lookup(_ name: String) -> UnsafeMutableRawPointer? {
        #if canImport(Darwin)
        return dlsym(UnsafeMutableRawPointer(bitPattern: -2), name)  // RTLD_DEFAULT
        #else
        return dlsym(nil, name)  // RTLD_DEFAULT is the null handle on Linux
        #endif
    }
}

/// A dimension or stride as BLAS's 32-bit integer; larger values trap (they are bad input, not a
/// computation to attempt).
@usableFromInline
func blasInt(_ x: Int) -> Int32 {
    guard let v = Int32(exactly: x) else { preconditionFailure("BLAS dimension \(x) exceeds Int32") }
    return v
}

/// `pow` from the C library (the only transcendental the metrics need besides `squareRoot`).
@inline(__always)
func power(_ x: Double, _ y: Double) -> Double { pow(x, y) }

/// The finite-output rule of every reported metric (docs/metrics.md): NaN becomes 0, ±infinity
/// becomes ±`Double.greatestFiniteMagnitude`.
@inline(__always)
func finite(_ x: Double) -> Double {
    if x.isFinite { return x }
    if x.isNaN { return 0 }
    return x > 0 ? .greatestFiniteMagnitude : -.greatestFiniteMagnitude
}
