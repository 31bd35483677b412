# shellcheck shell=bash
# The JVM options and environment the launcher (./amdahl) gives a command, for the launcher and for scripts that
# start Amdahl's JVMs themselves (the benchmarks' workers), so both run what a user of './amdahl worker' runs.
# Sourced, not run:
#   source scripts/jvm-defaults.sh
#   amdahl_jvm_defaults COMMAND "$USER_OPTS" [JAVA]    # COMMAND: worker, or any other ('demo', 'submit', ...)
#   env "${AMDAHL_JVM_ENV[@]}" java "${AMDAHL_JVM_DEFAULTS[@]}" $USER_OPTS ...
# USER_OPTS are the options the caller passes after the defaults (AMDAHL_OPTS or JAVA_OPTS in the launcher): a
# choice of its own (a collector, a heap size) replaces the default it would contradict. JAVA is the java command
# whose runtime decides the flags that need a recent JVM (java on the PATH unless given).
#
# The defaults bound the heap, since a JVM left alone takes a quarter of the machine's memory and keeps it: 1 GiB
# for every command (AMDAHL_HEAP=2g changes it; a -Xmx or -XX:MaxRAM... of your own replaces it). A worker also
# exits when the heap runs out (-XX:+ExitOnOutOfMemoryError: the tasks it held go back to the broker, where the
# delivery limit counts them, instead of a half-broken worker lingering), and is sized for a small service (an idle
# worker on Redis: 135-141 MiB RSS with the JVM's choices, 110-120 MiB with these; docs/benchmarks.md, "Worker
# memory"):
#   -XX:+UseSerialGC  G1's own bookkeeping for a 1 GiB heap (remembered sets, card and offset tables, marking
#                     stacks) is 30-40 MB of an idle worker; a worker's garbage is short-lived task data that
#                     young collections of a small heap clear in a millisecond or two, and no GC threads compete
#                     with the task threads. Not when the user's options choose a collector (-XX:+UseG1GC, ZGC...):
#                     then G1 gives idle memory back (G1PeriodicGCInterval, every 30 s when idle).
#   -Xms64m           the JVM's initial heap is 1/64 of the machine's memory (376 MiB of 24 GiB), and every page
#                     of it that start-up allocates through stays resident. The serial collector sizes its young
#                     generation from the heap (a third) and grows the heap only when a full collection leaves it
#                     crowded: from 64 MiB the young generation (21 MiB) is large enough that the tasks in flight
#                     die young under load, so the old one (43 MiB, 11 MiB of it start-up's live data) does not fill
#                     up: no full collection in bench/amdahl-only's load, young pauses about 1.3 ms. From -Xms32m
#                     the same load ran a 50-60 ms full collection every 5 s (p99 24-60 ms); the idle RSS differs
#                     by about 10 MB. The heap still grows to -Xmx.
#   -XX:MetaspaceSize=64m   the class metadata's first collection threshold (21 MB by default), which a worker's
#                     classes (28 MB) pass during start-up: a full collection of 0.3 s for nothing, as no class
#                     can be unloaded. It limits nothing; metaspace is only resident as far as it is used.
#   -XX:TrimNativeHeapInterval=5000   gives the C library's freed memory back every 5 s (the JIT compiler's
#                     arenas at start-up: about 15 MB); only on JVMs that have the flag (17.0.11+, 21.0.2+, 22+),
#                     read from the runtime's release file.
#   MALLOC_ARENA_MAX=2 (environment, unless set): the C library keeps an arena per thread that ever allocated,
#                     each holding freed memory of its own; two are plenty for a JVM, whose Java objects live in
#                     the heap (about 5 MB less).
# Measured and left out: -Xss and -XX:ReservedCodeCacheSize/MaxMetaspaceSize (only pages in use are resident;
# they change nothing but the limits), an application class-data archive (-XX:SharedArchiveFile, and Java 25's
# -XX:AOTCache: 1-4 MiB less, for a training run to keep up to date). Not -XX:TieredStopAtLevel: a smaller code
# cache for tasks several times slower (ProcessExecutionPool measured it for its children).

# the runtime's version from its release file (JAVA_VERSION="17.0.15"): no JVM started to ask
amdahl_java_version() { # java
    local java_bin home
    java_bin="$(command -v "$1" 2>/dev/null)" || return 0
    java_bin="$(readlink -f "$java_bin" 2>/dev/null || echo "$java_bin")"
    home="$(dirname "$(dirname "$java_bin")")"
    [[ -f "$home/release" ]] && sed -n 's/^JAVA_VERSION="\([0-9._]*\).*/\1/p' "$home/release" | head -1
    return 0
}

# whether the runtime has -XX:TrimNativeHeapInterval (JDK 22, backported to 17.0.9 and 21.0.1; a margin kept)
amdahl_has_native_trim() { # java
    local v major update
    v="$(amdahl_java_version "$1")"
    [[ -n "$v" ]] || return 1
    IFS=._ read -r major _ update _ <<<"$v"
    update="${update:-0}"
    [[ "$major" =~ ^[0-9]+$ && "$update" =~ ^[0-9]+$ ]] || return 1
    (( major >= 22 || (major == 21 && update >= 2) || (major == 17 && update >= 11) ))
}

# fills AMDAHL_JVM_DEFAULTS (options, before the user's) and AMDAHL_JVM_ENV (NAME=value words for env)
amdahl_jvm_defaults() { # command user-opts [java]
    local command="$1" user_opts="$2" java_cmd="${3:-java}"
    AMDAHL_JVM_DEFAULTS=()
    AMDAHL_JVM_ENV=()
    if [[ " $user_opts " != *" -Xmx"* && "$user_opts" != *"-XX:MaxRAM"* ]]; then
        AMDAHL_JVM_DEFAULTS+=("-Xmx${AMDAHL_HEAP:-1g}")
    fi
    [[ "$command" == "worker" ]] || return 0
    AMDAHL_JVM_DEFAULTS+=("-XX:+ExitOnOutOfMemoryError")
    if [[ ! "$user_opts" =~ -XX:\+Use[A-Za-z0-9]*GC ]]; then
        AMDAHL_JVM_DEFAULTS+=("-XX:+UseSerialGC" "-XX:MetaspaceSize=64m")
        # not above a limit of the user's own (-Xmx32m, AMDAHL_HEAP=48m), which the JVM would refuse; a limit
        # from -XX:MaxRAMPercentage (the container image's) is raised to it where the container is that small
        if [[ " $user_opts " != *" -Xms"* && "$user_opts" != *"-XX:InitialHeapSize"* && "$user_opts" != *"-XX:InitialRAM"* \
              && " $user_opts " != *" -Xmx"* && "${AMDAHL_HEAP:-1g}" =~ ^([0-9]+[gGtT]|([0-9]{3,}|6[4-9]|[7-9][0-9])[mM])$ ]]; then
            AMDAHL_JVM_DEFAULTS+=("-Xms64m")
        fi
    else
        AMDAHL_JVM_DEFAULTS+=("-XX:G1PeriodicGCInterval=30000")
    fi
    if [[ "$user_opts" != *"TrimNativeHeapInterval"* ]] && amdahl_has_native_trim "$java_cmd"; then
        AMDAHL_JVM_DEFAULTS+=("-XX:TrimNativeHeapInterval=5000")
    fi
    AMDAHL_JVM_ENV+=("MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}")
}
