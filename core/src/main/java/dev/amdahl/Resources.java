package dev.amdahl;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Resources by name: what a task needs ({@link TaskOptions.Builder#resources}, {@link SubmitOptions.Builder#resources})
 * or what a worker offers ({@link WorkerOptions.Builder#resources}). A value is either a <b>quantity</b>, digits with
 * an optional binary suffix ({@code gpu=1}, {@code cores=4}, {@code mem=4g}: k, m, g, t are powers of 1024), or a
 * <b>label</b>, anything else ({@code zone=eu}, {@code model=a100}). A worker can run a task when, for every resource the
 * task names, the worker offers at least that quantity or exactly that label.
 *
 * <pre>{@code
 * Task<Frame, Mask> segment = app.task("vision.segment", Frame.class, Mask.class,
 *         TaskOptions.builder().resources("gpu=1,mem=4g").build(), Vision::segment);
 * Worker gpuBox = app.startWorker(WorkerOptions.builder().resources(Resources.detected().plus(Resources.parse("zone=eu"))).build());
 * }</pre>
 *
 * <p>Immutable; its text ({@link #toString()}) is canonical: names sorted, quantities in their largest exact unit, so
 * two equal needs always name the same derived queue ({@code tiles@gpu=1,mem=4g}).
 */
public final class Resources {

    /** Names the runtime itself knows: detected on a worker unless it is told otherwise. */
    public static final String CORES = "cores";
    /** The bytes of memory a worker offers: its JVM's maximum heap unless told otherwise. */
    public static final String MEMORY = "mem";
    /** How many GPUs a worker offers: those {@code nvidia-smi -L} lists when it is on the PATH, 0 otherwise. */
    public static final String GPU = "gpu";

    private static final Resources NONE = new Resources(new TreeMap<>());
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_.\\-]{0,31}");
    private static final Pattern QUANTITY = Pattern.compile("([0-9]{1,18})([kmgt]?)", Pattern.CASE_INSENSITIVE);
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_.\\-]{1,64}");
    private static final String UNITS = "kmgt";

    /** By name; a quantity's value is its canonical text. */
    private final TreeMap<String, String> values;

    private Resources(TreeMap<String, String> values) {
        this.values = values;
    }

    /** No resource: a task that runs on any worker of its queue. */
    public static Resources none() {
        return NONE;
    }

    /**
     * Reads {@code gpu=1,mem=4g,zone=eu}; an empty text is {@link #none()}.
     *
     * @throws IllegalArgumentException naming the part that is wrong: a name or value out of the rules, a name twice
     */
    public static Resources parse(String text) {
        Objects.requireNonNull(text, "text");
        TreeMap<String, String> values = new TreeMap<>();
        if (text.isBlank()) {
            return NONE;
        }
        for (String part : text.split(",", -1)) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("resource '" + part.strip() + "' in '" + text + "' has no value: write name=value,"
                        + " e.g. gpu=1, mem=4g or zone=eu");
            }
            String name = part.substring(0, eq).strip();
            String value = part.substring(eq + 1).strip();
            if (values.put(checkName(name), canonical(name, value)) != null) {
                throw new IllegalArgumentException("resource '" + name + "' is named twice in '" + text + "'");
            }
        }
        return new Resources(values);
    }

    /** The resources of a map of names to values, each checked as {@link #parse} checks it. */
    public static Resources of(Map<String, String> values) {
        TreeMap<String, String> checked = new TreeMap<>();
        values.forEach((name, value) -> checked.put(checkName(name), canonical(name, Objects.requireNonNull(value, name))));
        return checked.isEmpty() ? NONE : new Resources(checked);
    }

    /**
     * What this machine offers: {@value #CORES} (available processors), {@value #MEMORY} (this JVM's maximum heap, what
     * tasks running in it can use) and {@value #GPU} (the GPUs {@code nvidia-smi -L} lists when it is on the PATH, else 0).
     */
    public static Resources detected() {
        Map<String, String> found = new LinkedHashMap<>();
        found.put(CORES, Integer.toString(Runtime.getRuntime().availableProcessors()));
        found.put(MEMORY, Long.toString(Runtime.getRuntime().maxMemory()));
        found.put(GPU, Integer.toString(nvidiaGpus()));
        return of(found);
    }

    /** These resources with every one named in {@code overrides} taking its value from there. */
    public Resources plus(Resources overrides) {
        if (overrides.values.isEmpty()) {
            return this;
        }
        TreeMap<String, String> merged = new TreeMap<>(values);
        merged.putAll(overrides.values);
        return new Resources(merged);
    }

    /** Whether no resource is named. */
    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** The values by name, sorted by name; quantities as their canonical text ({@code 4g}). */
    public Map<String, String> asMap() {
        return Collections.unmodifiableMap(values);
    }

    /** The quantity named {@code name} (memory in bytes), or empty when it is absent or a label. */
    public OptionalLong quantity(String name) {
        String v = values.get(name);
        return v == null || !QUANTITY.matcher(v).matches() ? OptionalLong.empty() : OptionalLong.of(bytesOf(v));
    }

    /** The names whose values are quantities. */
    public List<String> quantities() {
        List<String> names = new ArrayList<>();
        values.forEach((name, v) -> {
            if (QUANTITY.matcher(v).matches()) {
                names.add(name);
            }
        });
        return names;
    }

    /** Whether a worker offering {@code capacity} can run a task needing these: see the class comment. */
    public boolean satisfiedBy(Resources capacity) {
        return missingFrom(capacity).isEmpty();
    }

    /**
     * What of these needs {@code capacity} lacks, one entry per resource, as {@code gpu=1 (offers gpu=0)} or
     * {@code zone=eu (offers none)}; empty when it lacks nothing. A need of quantity 0 is always met.
     */
    public List<String> missingFrom(Resources capacity) {
        List<String> missing = new ArrayList<>();
        values.forEach((name, need) -> {
            String offer = capacity.values.get(name);
            boolean quantity = QUANTITY.matcher(need).matches();
            boolean met;
            if (quantity) {
                long n = bytesOf(need);
                met = n == 0 || offer != null && QUANTITY.matcher(offer).matches() && bytesOf(offer) >= n;
            } else {
                met = need.equals(offer);
            }
            if (!met) {
                missing.add(name + "=" + need + " (offers " + (offer == null ? "none" : name + "=" + offer) + ")");
            }
        });
        return missing;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Resources r && values.equals(r.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    /** The canonical text, {@code gpu=1,mem=4g,zone=eu}; empty for {@link #none()}. */
    @Override
    public String toString() {
        StringJoiner s = new StringJoiner(",");
        values.forEach((name, v) -> s.add(name + "=" + v));
        return s.toString();
    }

    private static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("resource name '" + name + "' is not allowed: use a lower-case letter, then up to"
                    + " 31 lower-case letters, digits, '_', '.' or '-' (gpu, mem, zone)");
        }
        return name;
    }

    private static String canonical(String name, String value) {
        if (QUANTITY.matcher(value).matches()) {
            return format(bytesOf(value));
        }
        if (!LABEL.matcher(value).matches()) {
            throw new IllegalArgumentException("resource " + name + "='" + value + "' is neither a quantity (digits and an optional"
                    + " k, m, g or t: 2, 512m) nor a label (1 to 64 letters, digits, '_', '.' or '-': eu, a100)");
        }
        return value;
    }

    private static long bytesOf(String quantity) {
        var m = QUANTITY.matcher(quantity);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a quantity: " + quantity);
        }
        long n = Long.parseLong(m.group(1));
        int unit = m.group(2).isEmpty() ? 0 : UNITS.indexOf(Character.toLowerCase(m.group(2).charAt(0))) + 1;
        for (int i = 0; i < unit; i++) {
            n = Math.multiplyExact(n, 1024L);
        }
        return n;
    }

    /** The largest unit that writes {@code n} exactly: 4294967296 is {@code 4g}, 1536 is {@code 1536}: one need, one text. */
    private static String format(long n) {
        int unit = 0;
        while (n != 0 && n % 1024 == 0 && unit < UNITS.length()) {
            n /= 1024;
            unit++;
        }
        return unit == 0 ? Long.toString(n) : n + String.valueOf(UNITS.charAt(unit - 1));
    }

    /** The GPUs {@code nvidia-smi -L} lists, one line each; 0 when it is not on the PATH, fails or takes over 10 s. */
    private static int nvidiaGpus() {
        String path = System.getenv("PATH");
        if (path == null) {
            return 0;
        }
        boolean found = false;
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "nvidia-smi"))) {
                found = true;
                break;
            }
        }
        if (!found) {
            return 0;
        }
        try {
            Process p = new ProcessBuilder("nvidia-smi", "-L").redirectErrorStream(true).start();
            int gpus = 0;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("GPU ")) {
                        gpus++;
                    }
                }
            }
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return 0;
            }
            return p.exitValue() == 0 ? gpus : 0;
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /** Optional of a label's value, for callers that match on labels ({@code zone}). */
    public Optional<String> label(String name) {
        String v = values.get(name);
        return v == null || QUANTITY.matcher(v).matches() ? Optional.empty() : Optional.of(v);
    }
}
