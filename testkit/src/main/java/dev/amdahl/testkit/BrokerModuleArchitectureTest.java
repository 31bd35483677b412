package dev.amdahl.testkit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The fence around a broker or backend module: it stands on the SPI and the public API alone, so core's
 * runtime can change without breaking it, and it never uses Java serialization. A module extends this class
 * with one method.
 *
 * <pre>{@code
 * class RedisModuleArchitectureTest extends BrokerModuleArchitectureTest {
 *     protected String modulePackage() { return "dev.amdahl.redis"; }
 * }
 * }</pre>
 */
@Timeout(60)
public abstract class BrokerModuleArchitectureTest {

    /** The root package of the module under test. */
    protected abstract String modulePackage();

    private JavaClasses moduleClasses() {
        return new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(modulePackage());
    }

    @Test
    void usesOnlyTheSpiAndThePublicApiOfCore() {
        noClasses().should().dependOnClassesThat().resideInAPackage("dev.amdahl.internal..")
                .because("a broker module stands on dev.amdahl.spi and the public API; core's runtime may change in any release")
                .check(moduleClasses());
    }

    @Test
    void usesNoJavaSerialization() {
        noClasses().should().dependOnClassesThat().haveFullyQualifiedName("java.io.ObjectInputStream")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.io.ObjectOutputStream")
                .check(moduleClasses());
    }
}
