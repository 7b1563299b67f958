import MarketCore

/// The word-valued fields, matched ignoring ASCII case.
enum Words {
    /// `buy` / `sell`: a trade's taker side.
    @inline(__always)
    static func side(_ f: Field, column: Int) throws(RowFailure) -> Side {
        if f.equalsIgnoringCase("buy") { return .buy }
        if f.equalsIgnoringCase("sell") { return .sell }
        throw expected("buy or sell", f, column)
    }

    /// `bid` / `ask`: a book level's side (`.buy` is a bid).
    @inline(__always)
    static func bookSide(_ f: Field, column: Int) throws(RowFailure) -> Side {
        if f.equalsIgnoringCase("bid") { return .buy }
        if f.equalsIgnoringCase("ask") { return .sell }
        throw expected("bid or ask", f, column)
    }

    /// `snapshot` (true) / `update` (false): a depth row's kind.
    @inline(__always)
    static func kind(_ f: Field, column: Int) throws(RowFailure) -> Bool {
        if f.equalsIgnoringCase("update") { return false }
        if f.equalsIgnoringCase("snapshot") { return true }
        throw expected("snapshot or update", f, column)
    }

    /// `true` / `false` (Binance prints `True`/`False` in spot files, `true`/`false` in futures).
    @inline(__always)
    static func bool(_ f: Field, column: Int) throws(RowFailure) -> Bool {
        if f.equalsIgnoringCase("true") { return true }
        if f.equalsIgnoringCase("false") { return false }
        throw expected("true or false", f, column)
    }

    private static func expected(_ words: String, _ f: Field, _ column: Int) -> RowFailure {
        RowFailure(column: column, message: "expected \(words), found \(f.count == 0 ? "an empty field" : f.quoted)")
    }
}
