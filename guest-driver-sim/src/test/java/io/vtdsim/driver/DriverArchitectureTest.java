package io.vtdsim.driver;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The driver reaches the machine only through spec and platform (ARCHITECTURE.md dependency rules). */
class DriverArchitectureTest {
  @Test
  void driverUsesOnlySpecAndPlatform() {
    JavaClasses classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.vtdsim.driver");
    noClasses().that().resideInAPackage("io.vtdsim.driver..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.vtdsim.emu.vtd..", "io.vtdsim.emu.shadow..", "io.vtdsim.emu.host..",
            "io.vtdsim.emu.device..", "io.vtdsim.emu.testing..", "io.vtdsim.harness..")
        .check(classes);
  }
}
