package dev.amdahl.dashboard.internal;

import dev.amdahl.scaling.AmdahlLaw;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The scaling view of one group, from its members' run times as the workers reported them. The group ran on
 * {@code n} slots (the concurrency of the workers that ran it, at most one per member); its work is the sum of the
 * members' run times and its wall time from the first start to the last finish. Speedup is work over wall, efficiency
 * speedup over {@code n}, and the serial fraction the Karp-Flatt metric: the {@code s} for which Amdahl's law
 * predicts the measured speedup on {@code n} slots. The ceiling is that law's limit, {@code 1/s}.
 */
final class Scaling {

    private Scaling() {
    }

    static Map<String, Object> of(String groupId, List<Monitor.Member> members, Map<String, Integer> concurrency) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("groupId", groupId);
        m.put("members", members.size());
        Instant first = members.stream().map(Monitor.Member::start).min(Instant::compareTo).orElseThrow();
        Instant last = members.stream().map(Monitor.Member::end).max(Instant::compareTo).orElseThrow();
        double wall = Math.max(1e-6, Duration.between(first, last).toNanos() / 1e9);
        double work = members.stream().mapToDouble(Monitor.Member::seconds).sum();
        Set<String> workers = new HashSet<>();
        members.forEach(x -> workers.add(x.worker()));
        int slots = workers.stream().mapToInt(w -> concurrency.getOrDefault(w, 1)).sum();
        int n = Math.max(1, Math.min(slots, members.size()));
        double speedup = work / wall;
        m.put("startedAt", first);
        m.put("finishedAt", last);
        m.put("workers", workers.size());
        m.put("slots", n);
        m.put("wallSeconds", wall);
        m.put("workSeconds", work);
        m.put("speedup", speedup);
        m.put("efficiency", speedup / n);
        if (n > 1) {
            double s = ((1 / speedup) - (1.0 / n)) / (1 - (1.0 / n));
            s = Math.min(1, Math.max(0, s));
            AmdahlLaw law = AmdahlLaw.ofSerialFraction(s);
            m.put("serialFraction", s);
            m.put("ceiling", s == 0 ? null : law.limit());
            m.put("predicted2x", law.speedup(2.0 * n));
        } else {
            m.put("serialFraction", null);
            m.put("ceiling", null);
            m.put("predicted2x", null);
        }
        return m;
    }
}
