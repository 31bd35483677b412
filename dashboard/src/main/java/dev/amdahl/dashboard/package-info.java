/**
 * The web dashboard: {@link dev.amdahl.dashboard.Dashboard}. Its server, monitor and views live in
 * {@code dev.amdahl.dashboard.internal}.
 */
package dev.amdahl.dashboard;
