import ArgumentParser
import Foundation
import PoolTimeline

/// `pool-timeline run.json [--svg out.svg]`: the table, bounds and Gantt chart of a pool's trace.
@main
struct PoolTimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool-timeline",
        abstract: "Summarise and draw the Chrome trace a pool wrote (PoolOptions(timeline:) or MPIPOOL_TIMELINE=path).",
        discussion: """
        Prints the time each worker spent in chunks, its utilisation, its jobs (the item indices, \
        as `submission:index` when the trace has several submissions), the makespan (first chunk start \
        to last chunk end), the makespan greedy list scheduling reaches with the same chunks on as many \
        workers, their ratio, a lower bound and the overall utilisation (work ÷ (workers × makespan)). \
        With --svg, also writes a Gantt chart: a row per worker, a bar per chunk coloured by task, idle \
        gaps hatched. The trace opens in Perfetto (ui.perfetto.dev) or chrome://tracing too.

        Warnings (chunks overlapping on one rank, a trace without chunks) go to standard error and do \
        not change the exit status.

        Exit status: 0 done; 64 bad flags; 65 the file is not a pool trace (not JSON, no traceEvents, a \
        chunk slice without ts or dur, a negative duration, …; the message names the event and field); \
        66 the trace cannot be read; 73 the SVG cannot be written.
        """
    )

    @Argument(help: "The trace file (Chrome trace-event JSON written by the pool).")
    var trace: String

    @Option(help: ArgumentHelp("Write the Gantt chart as SVG to this file.", valueName: "path"))
    var svg: String?

    @Flag(help: "Print nothing on standard output (warnings and errors still go to standard error).")
    var quiet = false

    @Flag(help: "Also print one line per chunk, by start time: rank, start and end in seconds since the pool started, items, task.")
    var chunks = false

    @Option(help: ArgumentHelp("Decimals of the seconds in the table (0…12; default: 4 from a 1 s makespan up, more for shorter ones).", valueName: "n"))
    var decimals: Int?

    @Option(help: ArgumentHelp("Width of the chart in pixels (300…100000).", valueName: "pixels"))
    var width = 960

    func validate() throws {
        if let decimals, !(0 ... 12).contains(decimals) { throw ValidationError("--decimals must be 0…12 (got \(decimals))") }
        guard width >= 300, width <= 100_000 else { throw ValidationError("--width must be 300…100000 (got \(width))") }
    }

    func run() throws {
        let parsed: PoolTrace
        do {
            parsed = try PoolTrace(contentsOfFile: trace)
        } catch {
            Self.complain("Error: \(error)")
            if case .unreadable = error { throw ExitCode(66) }   // EX_NOINPUT
            throw ExitCode(65)                                   // EX_DATAERR
        }
        for warning in parsed.warnings { Self.complain("warning: \(warning)") }
        let summary = TimelineSummary(parsed)
        if !quiet {
            if chunks {
                for c in parsed.chunks {
                    print("chunk \(c.chunk.map(String.init) ?? "-") rank \(c.rank) start \(String(format: "%.6f", c.start)) end \(String(format: "%.6f", c.end))"
                          + " submission \(c.submission) first \(c.first) count \(c.count) task \(c.task)")
                }
                print("")
            }
            print(summary.rendered(decimals: decimals))
        }
        if let svg {
            var chart = GanttChart(parsed, summary: summary)
            chart.width = Double(width)
            do {
                try chart.svg.write(toFile: svg, atomically: true, encoding: .utf8)
            } catch {
                Self.complain("Error: cannot write the chart '\(svg)': \((error as NSError).localizedDescription)")
                throw ExitCode(73)                               // EX_CANTCREAT
            }
        }
    }

    static func complain(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
