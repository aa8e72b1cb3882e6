package io.evbase.server;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.context.annotation.ComponentScan;

/**
 * The deployable stays out of the library's way: its main class lives in {@code io.evbase.server}, which nothing
 * else uses, and no library class is an application configuration or scans components (an application that uses
 * the library would otherwise pick it up).
 */
@AnalyzeClasses(packages = "io.evbase", importOptions = ImportOption.DoNotIncludeTests.class)
class ServerPackageTest {

    @ArchTest
    static final ArchRule nothingDependsOnTheDeployable = noClasses()
            .that().resideOutsideOfPackage("io.evbase.server..")
            .should().dependOnClassesThat().resideInAPackage("io.evbase.server..");

    @ArchTest
    static final ArchRule theLibraryHasNoApplicationConfiguration = noClasses()
            .that().resideOutsideOfPackage("io.evbase.server..")
            .should().beMetaAnnotatedWith(SpringBootConfiguration.class)
            .orShould().beMetaAnnotatedWith(ComponentScan.class);
}
