package dev.amdahl.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * What this process and its child processes (a process pool's JVMs) hold of the machine: resident memory and
 * operating-system threads, read from {@code /proc}. A platform thread is an operating-system thread; a
 * virtual thread is not, which is the point of counting them.
 *
 * <pre>{@code
 * try (Footprint.Peak peak = Footprint.peakDuring(Duration.ofMillis(10))) {
 *     job.run(app);
 *     peak.residentBytes();   // the most seen at once, this JVM and its children together
 * }
 * }</pre>
 *
 * @param residentBytes resident memory, summed over the processes
 * @param threads       operating-system threads, summed over the processes
 */
public record Footprint(long residentBytes, int threads) {

    /** This process and its descendants now; empty where there is no {@code /proc} (not Linux). */
    public static Optional<Footprint> now() {
        long resident = 0;
        int threads = 0;
        List<ProcessHandle> processes = Stream.concat(Stream.of(ProcessHandle.current()), ProcessHandle.current().descendants()).toList();
        for (ProcessHandle p : processes) {
            Optional<Footprint> one = of(p.pid());
            if (one.isEmpty()) {
                if (p.pid() == ProcessHandle.current().pid()) {
                    return Optional.empty();
                }
                continue; // a child that exited between the listing and the read
            }
            resident += one.get().residentBytes();
            threads += one.get().threads();
        }
        return Optional.of(new Footprint(resident, threads));
    }

    /** One process, from {@code /proc/PID/status}: its {@code VmRSS} and {@code Threads} lines. */
    static Optional<Footprint> of(long pid) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
        long rssKib = -1;
        int threads = -1;
        for (String line : lines) {
            if (line.startsWith("VmRSS:")) {
                rssKib = Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
            } else if (line.startsWith("Threads:")) {
                threads = Integer.parseInt(line.substring(8).trim());
            }
        }
        return rssKib < 0 || threads < 0 ? Optional.empty() : Optional.of(new Footprint(rssKib * 1024, threads));
    }

    /** Samples {@link #now()} every {@code interval} on a daemon thread until closed, keeping the peaks. */
    public static Peak peakDuring(Duration interval) {
        return new Peak(interval);
    }

    /** The highest resident memory and thread count seen while it ran; each peak on its own. */
    public static final class Peak implements AutoCloseable {

        private final AtomicLong resident = new AtomicLong(-1);
        private final AtomicLong threads = new AtomicLong(-1);
        private final Thread sampler;
        private volatile boolean running = true;

        private Peak(Duration interval) {
            sample();
            sampler = new Thread(() -> {
                while (running) {
                    sample();
                    try {
                        Thread.sleep(interval.toMillis());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "amdahl-footprint");
            sampler.setDaemon(true);
            sampler.start();
        }

        private void sample() {
            now().ifPresent(f -> {
                resident.accumulateAndGet(f.residentBytes(), Math::max);
                threads.accumulateAndGet(f.threads(), Math::max);
            });
        }

        /** The peak so far, or empty where it cannot be read. */
        public Optional<Footprint> peak() {
            long r = resident.get();
            return r < 0 ? Optional.empty() : Optional.of(new Footprint(r, (int) threads.get()));
        }

        /** Stops sampling after one last sample. */
        @Override
        public void close() {
            running = false;
            sampler.interrupt();
            try {
                sampler.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            sample();
        }
    }
}
