package dev.amdahl;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fences of core's layout: which package may use which, no cycles, no Java serialization, and core
 * free of broker modules, the CLI and the dashboard. Each package's {@code package-info.java} says the same in
 * words.
 */
@Timeout(60)
class ArchitectureTest {

    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.amdahl");

    @Test
    void coreDependsOnNoBrokerModuleCliOrDashboard() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage(
                        "dev.amdahl.redis..", "dev.amdahl.rabbitmq..", "dev.amdahl.postgres..", "dev.amdahl.celery..",
                        "dev.amdahl.cli..", "dev.amdahl.dashboard..", "dev.amdahl.examples..", "dev.amdahl.testkit..",
                        "io.lettuce..", "com.rabbitmq..", "org.postgresql..", "picocli..")
                .check(CORE);
    }

    /**
     * Every package below the API's is its own slice. The API package itself is the facade: it creates the
     * runtime's objects, and the runtime uses its value types.
     */
    @Test
    void thePackagesBelowTheApiHaveNoCycles() {
        slices().matching("dev.amdahl.(**)").should().beFreeOfCycles().check(CORE);
    }

    @Test
    void theWorkerDoesNotUseTheClientSide() {
        noClasses().that().resideInAnyPackage("dev.amdahl.internal.worker..", "dev.amdahl.internal.process..",
                        "dev.amdahl.internal.workflow..", "dev.amdahl.internal.task..", "dev.amdahl.internal.wire..",
                        "dev.amdahl.internal.beat..")
                .should().dependOnClassesThat().resideInAPackage("dev.amdahl.internal.client..")
                .check(CORE);
    }

    @Test
    void theSpiUsesNoRuntimePackageButTheJsonSettings() {
        noClasses().that().resideInAPackage("dev.amdahl.spi..")
                .should().dependOnClassesThat(DescribedPredicate.describe("are in a runtime package other than internal.json",
                        (JavaClass c) -> c.getPackageName().startsWith("dev.amdahl.internal")
                                && !c.getPackageName().equals("dev.amdahl.internal.json")))
                .check(CORE);
    }

    @Test
    void theEmbeddedBrokerAndTheProviderLookupUseOnlyTheSpi() {
        noClasses().that().resideInAnyPackage("dev.amdahl.internal.memory..", "dev.amdahl.internal.provider..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.amdahl.internal.worker..", "dev.amdahl.internal.client..",
                        "dev.amdahl.internal.workflow..", "dev.amdahl.internal.task..", "dev.amdahl.internal.process..",
                        "dev.amdahl.internal.beat..", "dev.amdahl.internal.wire..")
                .check(CORE);
    }

    @Test
    void theScalingAnalysisStandsAloneFromTheRuntime() {
        noClasses().that().resideInAPackage("dev.amdahl.scaling..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.amdahl.spi..", "dev.amdahl.internal.memory..",
                        "dev.amdahl.internal.worker..", "dev.amdahl.internal.client..", "dev.amdahl.internal.task..")
                .check(CORE);
    }

    @Test
    void nothingUsesJavaSerialization() {
        noClasses().should().dependOnClassesThat().haveFullyQualifiedName("java.io.ObjectInputStream")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.ObjectOutputStream")
                .check(CORE);
    }

    @Test
    void noPayloadIsSerializable() {
        // exceptions, enums and JDK collections are Serializable by inheritance; none of ours may opt in
        noClasses().should(new ArchCondition<JavaClass>("declare java.io.Serializable") {
            @Override
            public void check(JavaClass c, ConditionEvents events) {
                if (c.getRawInterfaces().stream().anyMatch(i -> i.isEquivalentTo(Serializable.class))) {
                    events.add(SimpleConditionEvent.violated(c, c.getName() + " implements java.io.Serializable"));
                }
            }
        }).check(CORE);
    }

    @Test
    void noTwoClassesShareASimpleName() {
        Map<String, List<String>> byName = CORE.stream()
                .filter(c -> c.isTopLevelClass() && !c.getSimpleName().equals("package-info"))
                .collect(Collectors.groupingBy(JavaClass::getSimpleName,
                        Collectors.mapping(JavaClass::getName, Collectors.toList())));
        byName.values().removeIf(names -> names.size() == 1);
        assertThat(byName).as("top-level classes that share a simple name").isEmpty();
    }
}
