/**
 * Amdahl's public API: the application ({@link dev.amdahl.Amdahl}), task handles and futures, workflows
 * (signatures, groups, chords), options, workers, schedules, and the errors a caller can match on.
 *
 * <p>Everything a user names is here or in {@link dev.amdahl.spi} (plug-in points for brokers and result
 * backends) and {@link dev.amdahl.scaling} (the scaling analysis). The runtime behind them lives in
 * {@code dev.amdahl.internal.*}, which the module does not export and which may change in any release.
 */
package dev.amdahl;
