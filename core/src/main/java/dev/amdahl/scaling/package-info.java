/**
 * Scaling analysis: how much faster a job gets with more workers, and why it stops.
 *
 * <pre>{@code
 * // closed form, from a known serial fraction
 * AmdahlLaw.ofParallelFraction(0.99).speedup(100);              // 50.25
 *
 * // from measurements: worker count -> wall times in seconds
 * ScalingReport report = ScalingAnalysis.ofDefaults().analyze(wallSeconds);
 * Files.writeString(Path.of("scaling.html"), report.toHtml());
 * SpeedupChart.of(report).write(Path.of("speedup.png"));
 *
 * // weak scaling: n workers on n times the work, Gustafson's serial share s'
 * WeakScalingReport weak = ScalingAnalysis.ofDefaults().analyzeWeak(weakRuns, Map.of());
 *
 * // one finished job's serial and parallel time
 * new JobStats(2.0, 98.0).ceiling();                             // 50.0
 * }</pre>
 *
 * <p>The public types are {@link dev.amdahl.scaling.AmdahlLaw}, {@link dev.amdahl.scaling.JobStats},
 * {@link dev.amdahl.scaling.ScalingAnalysis}, {@link dev.amdahl.scaling.ScalingReport},
 * {@link dev.amdahl.scaling.WeakScalingReport} and {@link dev.amdahl.scaling.SpeedupChart}; fitting and
 * rendering helpers are package-private.
 * Nothing here starts threads or touches the network, and charts need no display; the timing
 * loop that runs a job at several worker counts and feeds this package is
 * {@link dev.amdahl.ScalingBenchmark}. A guide: {@code docs/scaling.md}.
 */
package dev.amdahl.scaling;
