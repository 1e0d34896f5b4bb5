/// Dense row-major matrices of the estimator's sizes (at most 4 × 4): no library, no allocation tricks.
struct SmallMatrix: Hashable, Sendable {
    var rows: Int
    var columns: Int
    var values: [Double]

    init(rows: Int, columns: Int, values: [Double]? = nil) {
        self.rows = rows
        self.columns = columns
        self.values = values ?? [Double](repeating: 0, count: rows * columns)
        precondition(self.values.count == rows * columns, "\(self.values.count) values for \(rows) × \(columns)")
    }

    static func identity(_ n: Int) -> SmallMatrix { diagonal([Double](repeating: 1, count: n)) }

    static func diagonal(_ d: [Double]) -> SmallMatrix {
        var m = SmallMatrix(rows: d.count, columns: d.count)
        for i in d.indices { m[i, i] = d[i] }
        return m
    }

    subscript(i: Int, j: Int) -> Double {
        get { values[i * columns + j] }
        set { values[i * columns + j] = newValue }
    }

    var transposed: SmallMatrix {
        var t = SmallMatrix(rows: columns, columns: rows)
        for i in 0..<rows { for j in 0..<columns { t[j, i] = self[i, j] } }
        return t
    }

    static func * (a: SmallMatrix, b: SmallMatrix) -> SmallMatrix {
        precondition(a.columns == b.rows, "\(a.rows) × \(a.columns) times \(b.rows) × \(b.columns)")
        var c = SmallMatrix(rows: a.rows, columns: b.columns)
        for i in 0..<a.rows { for j in 0..<b.columns {
            var s = 0.0
            for k in 0..<a.columns { s += a[i, k] * b[k, j] }
            c[i, j] = s
        } }
        return c
    }

    static func + (a: SmallMatrix, b: SmallMatrix) -> SmallMatrix {
        SmallMatrix(rows: a.rows, columns: a.columns, values: zip(a.values, b.values).map(+))
    }

    static func - (a: SmallMatrix, b: SmallMatrix) -> SmallMatrix {
        SmallMatrix(rows: a.rows, columns: a.columns, values: zip(a.values, b.values).map(-))
    }

    /// The inverse of a symmetric positive definite matrix by Gauss–Jordan elimination with partial pivoting;
    /// nil when singular.
    var inverse: SmallMatrix? {
        precondition(rows == columns, "inverse of a \(rows) × \(columns) matrix")
        let n = rows
        var a = self, inv = SmallMatrix.identity(n)
        for col in 0..<n {
            let pivot = (col..<n).max { abs(a[$0, col]) < abs(a[$1, col]) }!
            guard abs(a[pivot, col]) > 1e-300 else { return nil }
            if pivot != col {
                for j in 0..<n {
                    a.values.swapAt(col * n + j, pivot * n + j)
                    inv.values.swapAt(col * n + j, pivot * n + j)
                }
            }
            let p = a[col, col]
            for j in 0..<n { a[col, j] /= p; inv[col, j] /= p }
            for i in 0..<n where i != col {
                let f = a[i, col]
                guard f != 0 else { continue }
                for j in 0..<n { a[i, j] -= f * a[col, j]; inv[i, j] -= f * inv[col, j] }
            }
        }
        return inv
    }
}
