/// A dense column-major matrix of `Double`: `rows` are time (samples), `cols` are series
/// (strategies, parameter sets). Element `(i, j)` is `values[i + j * rows]`, so each column is one
/// contiguous series and the leading dimension BLAS sees is `max(1, rows)`.
public struct Matrix: Sendable, Equatable {
    public private(set) var rows: Int
    public private(set) var cols: Int
    /// The elements, column after column (`rows × cols` of them).
    public internal(set) var values: [Double]

    /// A `rows × cols` matrix with every element `value`.
    public init(rows: Int, cols: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && cols >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.cols = cols
        self.values = [Double](repeating: value, count: rows * cols)
    }

    /// A matrix over `values` given column after column.
    public init(rows: Int, cols: Int, columnMajor values: [Double]) {
        precondition(rows >= 0 && cols >= 0, "matrix dimensions must be non-negative")
        precondition(values.count == rows * cols, "\(values.count) values for a \(rows)×\(cols) matrix")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    /// A matrix whose column `j` is `columns[j]` (all of one length).
    public init(columns: [[Double]]) {
        let rows = columns.first?.count ?? 0
        precondition(columns.allSatisfy { $0.count == rows }, "columns of different lengths")
        self.rows = rows
        self.cols = columns.count
        self.values = []
        values.reserveCapacity(rows * columns.count)
        for c in columns { values.append(contentsOf: c) }
    }

    /// The leading dimension BLAS is given: `max(1, rows)` (BLAS refuses 0 even for empty matrices).
    @inlinable
    public var leadingDimension: Int { Swift.max(1, rows) }

    public subscript(row: Int, col: Int) -> Double {
        get {
            precondition(row >= 0 && row < rows && col >= 0 && col < cols, "index (\(row), \(col)) outside \(rows)×\(cols)")
            return values[row + col * rows]
        }
        set {
            precondition(row >= 0 && row < rows && col >= 0 && col < cols, "index (\(row), \(col)) outside \(rows)×\(cols)")
            values[row + col * rows] = newValue
        }
    }

    /// Column `j` as a slice of `values` (no copy).
    public func column(_ j: Int) -> ArraySlice<Double> {
        precondition(j >= 0 && j < cols, "column \(j) outside 0..<\(cols)")
        return values[(j * rows)..<((j + 1) * rows)]
    }

    /// Overwrites column `j` with `newValues` (exactly `rows` of them).
    public mutating func setColumn(_ j: Int, _ newValues: some Collection<Double>) {
        precondition(j >= 0 && j < cols, "column \(j) outside 0..<\(cols)")
        precondition(newValues.count == rows, "\(newValues.count) values for a column of \(rows)")
        var i = j * rows
        for v in newValues {
            values[i] = v
            i += 1
        }
    }

    /// Reshapes to `rows × cols` and sets every element to `value`, keeping the allocation when it is
    /// large enough (a sweep reuses one buffer for runs of different lengths).
    public mutating func reset(rows: Int, cols: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && cols >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.cols = cols
        values.removeAll(keepingCapacity: true)
        values.append(contentsOf: repeatElement(value, count: rows * cols))
    }

    /// Gives the elements, column-major, to `body` for writing (for callers filling a matrix in place).
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (inout UnsafeMutableBufferPointer<Double>) throws -> R) rethrows -> R {
        try values.withUnsafeMutableBufferPointer(body)
    }

    /// The transpose (a copy).
    public func transposed() -> Matrix {
        var t = Matrix(rows: cols, cols: rows)
        for j in 0..<cols {
            for i in 0..<rows { t.values[j + i * cols] = values[i + j * rows] }
        }
        return t
    }

    mutating func scale(by factor: Double) {
        if factor == 0 {
            for i in values.indices { values[i] = 0 }
        } else if factor != 1 {
            for i in values.indices { values[i] *= factor }
        }
    }
}
