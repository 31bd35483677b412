package dev.amdahl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.amdahl.scaling.AmdahlLaw;
import dev.amdahl.scaling.SpeedupChart;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code amdahl law}: Amdahl's and Gustafson's laws for a given serial or parallel fraction. */
@Command(name = "law",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Amdahl's law for a job with serial fraction S (parallel fraction P = 1 - S):",
            "the run time, speedup and efficiency at each worker count n, Gustafson's",
            "scaled speedup, and the limit 1/S that no number of workers can beat.",
            "",
            "  T(n)           = T(1) * (S + P/n)",
            "  speedup        = T(1) / T(n)          efficiency = speedup / n",
            "  scaled speedup = n - S * (n - 1)      (Gustafson: the work grows with n)",
            "",
        },
        footer = {
            "",
            "Examples:",
            "  amdahl law -p 0.99 -t 100 -n 1,10,100,1000",
            "  amdahl law --serial 0.05 -n 1,2,4,8,16,32,64 --plot speedup.svg",
            "  amdahl law -p 0.9 --json",
        })
final class LawCommand extends CliCommand {

    /** The formats {@code --plot} writes, by the file's extension. */
    static final List<String> CHART_FORMATS = List.of("svg", "png");

    @ArgGroup(exclusive = true, multiplicity = "1")
    Fraction fraction;

    static final class Fraction {
        @Option(names = {"-p", "--parallel"}, paramLabel = "P", required = true,
                description = "Parallel fraction of the one-worker run time, in [0, 1] (0.99 for 99 %%).")
        Double parallel;

        @Option(names = {"-s", "--serial"}, paramLabel = "S", required = true,
                description = "Serial fraction instead, in [0, 1]; S = 1 - P.")
        Double serial;
    }

    @Option(names = {"-t", "--time"}, paramLabel = "SECONDS", defaultValue = "1",
            description = "Run time on one worker, T(1), in seconds (default: ${DEFAULT-VALUE}, so T(n) reads as a"
                    + " fraction of it).")
    double serialSeconds;

    @Option(names = {"-n", "--workers"}, paramLabel = "N", split = ",", defaultValue = "1,10,100,1000",
            description = "Worker counts, comma-separated (default: ${DEFAULT-VALUE}).")
    List<Integer> workers;

    @Option(names = "--plot", paramLabel = "FILE",
            description = "Also draw speedup against n to FILE: PNG or SVG, chosen by its extension.")
    Path plot;

    @Option(names = "--json", description = "Print JSON instead of the table.")
    boolean json;

    /** What {@code --json} prints; the field names are the interface, keep them stable. */
    record LawRow(int workers, double seconds, double speedup, double efficiency, double scaledSpeedup) {
    }

    /** {@code limit} is null when S = 0: the speedup has no ceiling. */
    record LawResult(double serialFraction, double parallelFraction, double serialSeconds, Double limit,
                     List<LawRow> rows) {
    }

    @Override
    int execute() throws IOException {
        AmdahlLaw law = law();
        OutputFile.check(spec, "--plot", plot, CHART_FORMATS);
        List<LawRow> rows = new ArrayList<>();
        for (int n : workers) {
            if (n < 1) {
                throw new ParameterException(spec.commandLine(), "worker count n must be at least 1, got " + n);
            }
            try {
                rows.add(new LawRow(n, law.time(serialSeconds, n), law.speedup(n), law.efficiency(n),
                        law.scaledSpeedup(n)));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            printJson(out, law, rows);
        } else {
            printTable(out, law, rows);
        }
        if (plot != null) {
            drawPlot(law);
            // with --json, stdout carries only the document
            (json ? spec.commandLine().getErr() : out).println("Wrote " + plot);
        }
        out.flush();
        return OK;
    }

    private AmdahlLaw law() {
        try {
            return fraction.parallel != null
                    ? AmdahlLaw.ofParallelFraction(fraction.parallel)
                    : AmdahlLaw.ofSerialFraction(fraction.serial);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage() + " (write 99 % as 0.99)");
        }
    }

    private void printTable(PrintWriter out, AmdahlLaw law, List<LawRow> rows) {
        out.printf(Locale.ROOT, "Amdahl's law for S = %s (P = %s), T(1) = %s s%n%n",
                plain(law.serialFraction(), 6), plain(law.parallelFraction(), 6), plain(serialSeconds, 6));
        out.printf(Locale.ROOT, "%10s  %14s  %9s  %10s  %16s%n", "n", "T(n)", "speedup", "efficiency",
                "scaled speedup");
        for (LawRow row : rows) {
            out.printf(Locale.ROOT, "%10d  %12.4g s  %9.2f  %8.1f %%  %16.2f%n", row.workers(), row.seconds(),
                    row.speedup(), 100 * row.efficiency(), row.scaledSpeedup());
        }
        out.println();
        out.println("scaled speedup: Gustafson's law, n - S * (n - 1), when the work grows with n.");
        if (Double.isInfinite(law.limit())) {
            out.println("Limit: none. With S = 0 the speedup grows with every worker.");
        } else {
            out.printf(Locale.ROOT, "Limit: the speedup never exceeds 1/S = %sx, however many workers.%n",
                    plain(law.limit(), 2));
        }
    }

    private void printJson(PrintWriter out, AmdahlLaw law, List<LawRow> rows) throws IOException {
        double limit = law.limit();
        LawResult result = new LawResult(law.serialFraction(), law.parallelFraction(), serialSeconds,
                Double.isInfinite(limit) ? null : limit, rows);
        out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(result));
    }

    private void drawPlot(AmdahlLaw law) {
        // a chart needs no display; without this AWT may look for one (or a Dock icon on macOS)
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        int largest = workers.stream().mapToInt(Integer::intValue).max().orElse(1);
        writeChart(SpeedupChart.of(law, largest), plot);
    }

    /** Writes {@code chart} to {@code file} (checked by {@link OutputFile#check}) as SVG or PNG, by its extension. */
    static void writeChart(SpeedupChart chart, Path file) {
        boolean svg = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".svg");
        if (svg) {
            OutputFile.write(file, chart.toSvg());
        } else {
            OutputFile.write(file, chart.toPng());
        }
    }

    /** Up to {@code decimals} places, trailing zeros dropped: 100, 0.99, 9.17. */
    private static String plain(double value, int decimals) {
        return BigDecimal.valueOf(value).setScale(decimals, RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
    }
}
