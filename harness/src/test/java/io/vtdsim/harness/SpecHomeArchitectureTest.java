package io.vtdsim.harness;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noFields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noMethods;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * VT-d facts have one home, {@code io.vtdsim.emu.spec} (InterruptRange, FunctionMask), and event
 * attributes one builder, {@code io.vtdsim.emu.platform.Attrs}: the shadow, the oracle and the
 * driver keep no copies of their own.
 */
class SpecHomeArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.vtdsim");
  }

  @Test
  void noLocalCopiesOfTheInterruptRange() {
    noFields().that().areDeclaredInClassesThat().resideInAnyPackage(
            "io.vtdsim.emu.shadow..", "io.vtdsim.harness.oracle..", "io.vtdsim.driver")
        .should().haveNameMatching(".*(WINDOW|MSI|INTERRUPT).*_(START|END|FIRST|LAST)")
        .check(classes);
  }

  @Test
  void noLocalFunctionMaskMatching() {
    noMethods().that().areDeclaredInClassesThat().resideInAnyPackage("io.vtdsim.emu.shadow..")
        .should().haveNameMatching("deviceMatches")
        .check(classes);
  }

  @Test
  void theEmulatorBuildsEventAttributesWithPlatformAttrs() {
    classes().that().resideInAPackage("io.vtdsim.emu..").and().haveSimpleName("Attrs")
        .should().resideInAPackage("io.vtdsim.emu.platform")
        .check(classes);
  }
}
