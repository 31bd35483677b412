package dev.amdahl;

/**
 * How a {@link Scheduler} runs. Made by {@link #builder()} or {@link #ofDefaults()}.
 *
 * <pre>{@code
 * Scheduler beat = app.startScheduler(SchedulerOptions.builder().name("beat@" + host).build());
 * }</pre>
 *
 * @param name       the scheduler's name in logs and records, {@code null} for {@code beat-<pid>@<host>}
 * @param background whether the scheduler ticks on a thread of its own (the default) or only when
 *                   {@link Scheduler#tick()} is called, as in tests that drive a fake clock
 */
public record SchedulerOptions(String name, boolean background) {

    /** A scheduler named after this process that ticks on its own thread. */
    public static SchedulerOptions ofDefaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link SchedulerOptions}. */
    public static final class Builder {
        private String name;
        private boolean background = true;

        private Builder() {
        }

        /** The scheduler's name in logs and records. */
        public Builder name(String name) {
            if (name != null && name.isBlank()) {
                throw new IllegalArgumentException("a scheduler's name must not be blank");
            }
            this.name = name;
            return this;
        }

        /** Whether it ticks on a thread of its own; off, only {@link Scheduler#tick()} fires. */
        public Builder background(boolean background) {
            this.background = background;
            return this;
        }

        public SchedulerOptions build() {
            return new SchedulerOptions(name, background);
        }
    }
}
