/// A constraint matrix in compressed sparse column form without gaps, as `Cbc_loadProblem` takes it:
/// the entries of column `j` are `rowIndices[k]`, `values[k]` for `k` in `starts[j] ..< starts[j+1]`.
///
/// Built from row-wise terms in two linear passes. Entries of a column are in increasing row order;
/// a column repeated within a row becomes one entry with the summed coefficient; zero coefficients
/// are dropped.
struct ColumnMajorMatrix {
    var starts: [Int32]
    var rowIndices: [Int32]
    var values: [Double]

    init(columnCount: Int, rows: [LinearRow]) {
        // Pass 1: entries per column, counting a (row, column) pair once.
        var lastRow = [Int](repeating: -1, count: columnCount)
        var counts = [Int](repeating: 0, count: columnCount)
        for (i, row) in rows.enumerated() {
            for (k, j) in row.columns.enumerated() where row.coefficients[k] != 0 && lastRow[j] != i {
                lastRow[j] = i
                counts[j] += 1
            }
        }
        var starts = [Int32](repeating: 0, count: columnCount + 1)
        for j in 0..<columnCount { starts[j + 1] = starts[j] + Int32(counts[j]) }
        let total = Int(starts[columnCount])

        // Pass 2: fill; `next[j]` is where column j's next entry goes.
        var next = starts.dropLast().map(Int.init)
        var rowIndices = [Int32](repeating: 0, count: total)
        var values = [Double](repeating: 0, count: total)
        lastRow = [Int](repeating: -1, count: columnCount)
        for (i, row) in rows.enumerated() {
            for (k, j) in row.columns.enumerated() where row.coefficients[k] != 0 {
                if lastRow[j] == i {
                    values[next[j] - 1] += row.coefficients[k]
                } else {
                    lastRow[j] = i
                    rowIndices[next[j]] = Int32(i)
                    values[next[j]] = row.coefficients[k]
                    next[j] += 1
                }
            }
        }
        self.starts = starts
        self.rowIndices = rowIndices
        self.values = values
    }
}
