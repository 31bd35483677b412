package dev.amdahl.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.amdahl.Amdahl;
import dev.amdahl.Task;
import dev.amdahl.TaskContext;
import dev.amdahl.WorkerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The example of docs/testing-under-failure.md, compiled and run: the buggy bank is caught, the idempotent one
 * passes. Each example sits between {@code // --- guide: NAME ---} and {@code // --- end ---}; the page must show
 * it verbatim (less its indentation).
 */
@Timeout(120)
class TestingUnderFailureGuideTest {

    record Deposit(String account, long cents) {
    }

    // --- guide: buggy ---
    /** Deposits into accounts kept outside Amdahl: here a map, in your application a database. */
    static class Bank {
        final Map<String, Long> balances = new ConcurrentHashMap<>();

        long deposit(Deposit d) {
            return balances.merge(d.account(), d.cents(), Long::sum);   // a second run deposits twice
        }

        long balance(String account) {
            return balances.getOrDefault(account, 0L);
        }
    }
    // --- end ---

    // --- guide: fixed ---
    static class IdempotentBank extends Bank {
        final Set<String> applied = ConcurrentHashMap.newKeySet();

        @Override
        synchronized long deposit(Deposit d) {
            // every delivery of a message carries the same task id: apply each task once. In a database, insert
            // the id into a table with a unique key in the same transaction as the update
            if (applied.add(TaskContext.current().taskId())) {
                balances.merge(d.account(), d.cents(), Long::sum);
            }
            return balance(d.account());
        }
    }
    // --- end ---

    // --- guide: extension ---
    @RegisterExtension
    final FaultInjection faults = FaultInjection.builder()
            .seed(42)                                                       // leave out: a new seed each run
            .crash(FaultInjection.CrashPoint.AFTER_RUN_BEFORE_STORE, 0.2)   // the worker dies after the task ran
            .duplicate(0.1)                                                 // the message is published twice
            .drop(0.1)                                                      // the worker dies as it takes it
            .redeliverAfter(Duration.ofMillis(200))                         // memory:// would wait a minute
            .build();
    // --- end ---

    void fiftyDepositsAddUp(Bank bank) throws Exception {
        // --- guide: test ---
        try (Amdahl app = Amdahl.builder()
                .broker(faults.broker("memory://"))
                .resultBackend(faults.resultBackend("memory://"))
                .build()) {
            Task<Deposit, Long> deposit = app.task("bank.deposit", Deposit.class, Long.class, bank::deposit);
            app.startWorker(WorkerOptions.builder().concurrency(4).build());

            deposit.map(Collections.nCopies(50, new Deposit("ada", 100))).get();

            assertThat(bank.balance("ada")).isEqualTo(50 * 100);
        }
        // --- end ---
    }

    @Test
    void theBuggyBankIsCaught() {
        assertThatThrownBy(() -> fiftyDepositsAddUp(new Bank())).isInstanceOf(AssertionError.class)
                .hasMessageContaining("5000");
        assertThat(faults.count(FaultInjection.Fault.CRASH_AFTER_RUN_BEFORE_STORE)).isPositive();
    }

    @Test
    void theIdempotentBankPasses() throws Exception {
        fiftyDepositsAddUp(new IdempotentBank());
        assertThat(faults.count(FaultInjection.Fault.CRASH_AFTER_RUN_BEFORE_STORE)).as(faults.report()).isPositive();
        assertThat(faults.count(FaultInjection.Fault.DUPLICATE)).as(faults.report()).isPositive();
    }

    /** What a failing run prints, as the page shows it: the seed first, then each fault. */
    @Test
    void theReportNamesTheSeed() throws Exception {
        fiftyDepositsAddUp(new IdempotentBank());
        assertThat(faults.report()).startsWith("fault injection seed 42 (replay it with -Damdahl.faults.seed=42")
                .contains("CRASH_AFTER_RUN_BEFORE_STORE");
    }

    private static final Pattern MARKED = Pattern.compile("\\n( *)// --- guide: (\\w+) ---\\n(.*?)\\n *// --- end ---",
            Pattern.DOTALL);

    @Test
    void thePageShowsTheseExamples() throws IOException {
        String source = Files.readString(Path.of("src/test/java", getClass().getName().replace('.', '/') + ".java"));
        String page = Files.readString(Path.of("../docs/testing-under-failure.md"));
        Matcher m = MARKED.matcher(source);
        List<String> names = new ArrayList<>();
        while (m.find()) {
            int indent = m.group(1).length();
            String snippet = m.group(3).lines().map(line -> line.length() >= indent ? line.substring(indent) : line.strip())
                    .collect(Collectors.joining("\n"));
            assertThat(page).as("docs/testing-under-failure.md shows the example '%s'", m.group(2)).contains(snippet);
            names.add(m.group(2));
        }
        assertThat(names).containsExactly("buggy", "fixed", "extension", "test");
    }
}
