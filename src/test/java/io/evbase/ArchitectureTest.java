package io.evbase;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The core knows nothing of Spring or Micrometer; only {@code boot} binds it to them. */
@AnalyzeClasses(packages = "io.evbase", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule coreIsFreeOfSpringAndMicrometer = noClasses()
            .that().resideInAnyPackage("io.evbase.loop..", "io.evbase.buffer..", "io.evbase.net..", "io.evbase.protocol..")
            .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "io.micrometer..")
            .because("the reactor core must stay usable and testable without Spring");

    @ArchTest
    static final ArchRule lowerLayersDoNotReachUp = noClasses()
            .that().resideInAnyPackage("io.evbase.loop..", "io.evbase.buffer..")
            .should().dependOnClassesThat().resideInAnyPackage("io.evbase.net..", "io.evbase.protocol..", "io.evbase.boot..");

    @ArchTest
    static final ArchRule netDoesNotKnowProtocols = noClasses()
            .that().resideInAnyPackage("io.evbase.net..")
            .should().dependOnClassesThat().resideInAnyPackage("io.evbase.protocol..", "io.evbase.boot..");
}
