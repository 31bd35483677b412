/**
 * The plug-in points: {@link dev.amdahl.spi.Broker} moves task messages, {@link dev.amdahl.spi.ResultBackend}
 * keeps their records, and the providers find an implementation by URL scheme through
 * {@link java.util.ServiceLoader}. The contract of each is stated in its Javadoc and defined by the
 * abstract kits in {@code amdahl-testkit}, which every implementation passes.
 *
 * <p>May use: the public API's value types ({@code TaskState}, {@code Progress}) and
 * {@code internal.json} for the record encoding. Nothing else inside Amdahl: a broker module compiles against
 * this package alone.
 */
package dev.amdahl.spi;
