package dev.amdahl;

/**
 * The code of a task: one argument in, one result out. Arguments and results travel as JSON, so
 * they are records, beans, collections, arrays, strings or numbers (anything Jackson reads and
 * writes without annotations).
 *
 * <pre>{@code
 * TaskFunction<Tile, int[]> render = tile -> Mandelbrot.render(tile);
 * }</pre>
 *
 * @param <A> the argument type
 * @param <R> the result type
 */
@FunctionalInterface
public interface TaskFunction<A, R> {

    /** Runs the task. An exception ends the task in FAILURE with the exception's type, message and stack. */
    R apply(A argument) throws Exception;
}
