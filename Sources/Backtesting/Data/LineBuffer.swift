#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why ``LineBuffer`` stopped.
enum LineBufferError: Error {
    /// `open`, `lseek` or `read` failed: what was being done, and the system's reason.
    case system(String)
    /// A line did not fit the buffer (the buffer is the longest line accepted).
    case lineTooLong(capacity: Int)
}

/// The lines of a file, read in fixed-size chunks with `read(2)`: memory is the buffer, whatever the
/// file's length. A line ends at LF; a CR right before the LF (or before the end of the file) is
/// dropped, so CRLF and LF files read the same. The last line needs no LF.
///
/// A returned line points into the buffer and is valid until the next call; at least
/// ``padding`` readable bytes follow it.
final class LineBuffer {
    private let fd: Int32
    private let buffer: UnsafeMutablePointer<UInt8>
    /// The buffer's size in bytes, fixed at creation.
    let capacity: Int
    /// Unreturned bytes are `buffer[start..<end]`.
    @exclusivity(unchecked) private var start = 0
    @exclusivity(unchecked) private var end = 0
    @exclusivity(unchecked) private var atEOF = false
    /// The file's size in bytes when it was opened (0 when unknown, e.g. a pipe).
    let fileSize: Int64
    /// The file offset of `buffer[0]`.
    @exclusivity(unchecked) private var bufferOffset: Int64

    /// Opens `path` for reading from byte `offset`.
    init(path: String, capacity: Int, offset: Int64 = 0) throws(LineBufferError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw .system("cannot open: " + Self.errnoText()) }
        if offset > 0 && lseek(fd, off_t(offset), SEEK_SET) < 0 {
            let text = "cannot seek: " + Self.errnoText()
            close(fd)
            throw .system(text)
        }
        var info = stat()
        fileSize = fstat(fd, &info) == 0 ? Int64(info.st_size) : 0
        self.fd = fd
        self.capacity = capacity
        self.bufferOffset = offset
        // Padded so that a row may be scanned eight bytes at a time past its end (see `split`).
        buffer = .allocate(capacity: capacity + Self.padding)
        buffer.initialize(repeating: 0, count: capacity + Self.padding)
    }

    /// Bytes after the buffer's capacity that a word-at-a-time scan may read (never used as data).
    static let padding = 8

    deinit {
        close(fd)
        buffer.deallocate()
    }

    /// The file offset just past the last line returned (past its LF).
    var offsetAfterLastLine: Int64 { bufferOffset + Int64(start) }

    /// The next line without its terminator, or nil at the end of the file.
    @inline(__always)
    func nextLine() throws(LineBufferError) -> UnsafeBufferPointer<UInt8>? {
        while true {
            if start < end, let hit = memchr(buffer + start, 0x0A, end - start) {
                let newline = hit.assumingMemoryBound(to: UInt8.self) - buffer
                let line = UnsafeBufferPointer(start: buffer + start, count: Self.trimCR(buffer + start, newline - start))
                start = newline + 1
                return line
            }
            if atEOF {
                guard start < end else { return nil }
                let line = UnsafeBufferPointer(start: buffer + start, count: Self.trimCR(buffer + start, end - start))
                start = end
                return line
            }
            try refill()
        }
    }

    /// Moves the partial line to the front and reads more after it.
    private func refill() throws(LineBufferError) {
        if start > 0 {
            if end > start { memmove(buffer, buffer + start, end - start) }
            bufferOffset += Int64(start)
            end -= start
            start = 0
        }
        if end == capacity { throw .lineTooLong(capacity: capacity) }
        while true {
            let n = read(fd, buffer + end, capacity - end)
            if n > 0 {
                end += n
                return
            }
            if n == 0 {
                atEOF = true
                return
            }
            if errno != EINTR { throw .system("cannot read: " + Self.errnoText()) }
        }
    }

    @inline(__always)
    private static func trimCR(_ p: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
        count > 0 && p[count - 1] == 0x0D ? count - 1 : count
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
