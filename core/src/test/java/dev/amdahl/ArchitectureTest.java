package dev.amdahl;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Core stays free of broker modules, the CLI, the dashboard and Java serialization. */
class ArchitectureTest {

    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.amdahl");

    @Test
    void coreDependsOnNoBrokerModuleCliOrDashboard() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage(
                        "dev.amdahl.redis..", "dev.amdahl.rabbitmq..", "dev.amdahl.postgres..", "dev.amdahl.celery..",
                        "dev.amdahl.cli..", "dev.amdahl.dashboard..", "dev.amdahl.examples..",
                        "io.lettuce..", "com.rabbitmq..", "org.postgresql..", "picocli..")
                .check(CORE);
    }

    @Test
    void nothingUsesJavaSerialization() {
        noClasses().should().dependOnClassesThat().haveFullyQualifiedName("java.io.ObjectInputStream")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.ObjectOutputStream")
                .check(CORE);
    }

    @Test
    void theSpiDependsOnlyOnThePublicStateAndItsCodecs() {
        noClasses().that().resideInAPackage("dev.amdahl.spi..")
                .should().dependOnClassesThat().resideInAPackage("dev.amdahl.internal.memory..")
                .check(CORE);
    }

    @Test
    void theScalingAnalysisStandsAloneFromTheRuntime() {
        noClasses().that().resideInAPackage("dev.amdahl.scaling..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.amdahl.spi..", "dev.amdahl.internal.memory..")
                .check(CORE);
    }
}
