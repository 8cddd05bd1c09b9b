package io.vtdsim.harness;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noFields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noMethods;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The dependency rules of ARCHITECTURE.md, checked on the compiled main classes of all modules. */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.vtdsim");
  }

  @Test
  void emulatorDependsOnNoOtherModule() {
    noClasses().that().resideInAPackage("io.vtdsim.emu..")
        .should().dependOnClassesThat().resideInAnyPackage("io.vtdsim.driver..", "io.vtdsim.harness..")
        .check(classes);
  }

  @Test
  void driverReachesTheMachineOnlyThroughSpecAndPlatform() {
    noClasses().that().resideInAPackage("io.vtdsim.driver..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.vtdsim.emu.vtd..", "io.vtdsim.emu.shadow..", "io.vtdsim.emu.host..",
            "io.vtdsim.emu.device..", "io.vtdsim.emu.testing..", "io.vtdsim.harness..")
        .check(classes);
  }

  @Test
  void specIsPureAndSelfContained() {
    noClasses().that().resideInAPackage("io.vtdsim.emu.spec..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.vtdsim.emu.platform..", "io.vtdsim.emu.vtd..", "io.vtdsim.emu.shadow..",
            "io.vtdsim.emu.host..", "io.vtdsim.emu.device..")
        .check(classes);
  }

  @Test
  void platformDoesNotKnowTheHardwareModel() {
    noClasses().that().resideInAPackage("io.vtdsim.emu.platform..")
        .should().dependOnClassesThat().resideInAnyPackage(
            "io.vtdsim.emu.vtd..", "io.vtdsim.emu.shadow..", "io.vtdsim.emu.host..", "io.vtdsim.emu.device..")
        .check(classes);
  }

  // VT-d facts have one home, io.vtdsim.emu.spec (InterruptRange, FunctionMask), and event
  // attributes one builder, io.vtdsim.emu.platform.Attrs: no module keeps copies of its own.

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

  /** The machine seam: only io.vtdsim.harness.machine builds a machine (the model's unit and shadow, or QEMU). */
  @Test
  void onlyTheMachinePackageBuildsMachines() {
    noClasses().that().resideInAPackage("io.vtdsim.harness..")
        .and().resideOutsideOfPackage("io.vtdsim.harness.machine..")
        .should().callConstructor(io.vtdsim.emu.vtd.VtdUnit.class, io.vtdsim.emu.vtd.VtdConfig.class,
            io.vtdsim.emu.platform.GuestMemory.class, io.vtdsim.emu.platform.EventLog.class,
            io.vtdsim.emu.platform.MsiSink.class)
        .orShould().callConstructor(io.vtdsim.emu.shadow.CachingModeShadow.class, io.vtdsim.emu.vtd.VtdUnit.class,
            io.vtdsim.emu.platform.GuestMemory.class, io.vtdsim.emu.platform.EventLog.class,
            io.vtdsim.emu.shadow.ShadowSync.class)
        .orShould().callMethod(io.vtdsim.harness.qemu.QemuSession.class, "start",
            io.vtdsim.harness.qemu.QemuInstallation.class, io.vtdsim.harness.qemu.QemuMachineOptions.class,
            io.vtdsim.harness.qemu.QemuSession.Listener.class)
        .check(classes);
  }

  /** Every package of the project, as ARCHITECTURE.md's ownership table names them. */
  static final List<String> PACKAGES = List.of("emu.spec", "emu.platform", "emu.vtd", "emu.shadow", "emu.host",
      "emu.nested", "emu.device", "emu.testing", "emu.util", "driver", "harness.testbed", "harness.machine",
      "harness.oracle", "harness.scenario", "harness.report", "harness.explore", "harness.cli", "harness.qemu");

  /** The "may touch" column of ARCHITECTURE.md's ownership table, for the packages below the harness. */
  @ParameterizedTest(name = "{0} touches only {1}")
  @CsvSource(delimiter = '|', textBlock = """
      emu.spec     |
      emu.util     |
      emu.platform | emu.spec
      emu.vtd      | emu.spec emu.platform
      emu.testing  | emu.spec emu.platform
      emu.host     | emu.spec emu.platform emu.util emu.vtd
      emu.shadow   | emu.spec emu.platform emu.util emu.vtd emu.host
      emu.nested   | emu.spec emu.platform emu.vtd emu.host
      emu.device   | emu.spec emu.platform emu.vtd emu.host
      driver       | emu.spec emu.platform
      harness.qemu | emu.spec emu.platform emu.testing
      """)
  void eachPackageTouchesOnlyWhatItsOwnershipLineSays(String pkg, String allowed) {
    List<String> may = allowed == null ? List.of() : List.of(allowed.trim().split(" +"));
    String[] forbidden = PACKAGES.stream().filter(p -> !p.equals(pkg) && !may.contains(p))
        .map(p -> "io.vtdsim." + p + "..").toArray(String[]::new);
    noClasses().that().resideInAPackage("io.vtdsim." + pkg + "..")
        .should().dependOnClassesThat().resideInAnyPackage(forbidden)
        .check(classes);
  }

  /**
   * Each module's declared API (ARCHITECTURE.md, "Modules"): the packages another module's main code
   * may use. The rest — the invalidation queue, the driver's page tables, flush policies and queue
   * submitter — is reached only through the module's facades.
   */
  static final String EXPORTS = """
      emu    | emu.spec emu.platform emu.vtd emu.shadow emu.host emu.nested emu.device emu.testing emu.util
      driver | driver driver.dma driver.domain
      """;

  /** The rule for {@code module} ("emu", "driver") exporting {@code exported} (its exact packages). */
  static ArchRule onlyExportedPackagesUsedFromOutside(String module, List<String> exported) {
    String[] api = exported.stream().map(p -> "io.vtdsim." + p).toArray(String[]::new);
    return noClasses().that().resideOutsideOfPackage("io.vtdsim." + module + "..")
        .should().dependOnClassesThat(resideInAPackage("io.vtdsim." + module + "..").and(not(resideInAnyPackage(api))))
        .as("classes outside io.vtdsim." + module + " use only its exported packages " + exported);
  }

  static List<String> exportsOf(String module) {
    return EXPORTS.lines().map(l -> l.split("\\|")).filter(f -> f[0].trim().equals(module))
        .map(f -> List.of(f[1].trim().split(" +"))).findFirst().orElseThrow();
  }

  @ParameterizedTest(name = "other modules use only what {0} exports")
  @CsvSource({"emu", "driver"})
  void otherModulesUseOnlyAModulesExportedPackages(String module) {
    onlyExportedPackagesUsedFromOutside(module, exportsOf(module)).check(classes);
  }

  /** The rule can fail: a class outside the modules that takes the driver's FlushPolicy or the unit's queue breaks it. */
  @Test
  void reachingPastAModulesExportsIsAViolation() {
    JavaClasses reaching = new ClassFileImporter().importClasses(ReachesIntoTheDriver.class, ReachesIntoTheQueue.class);
    assertThat(onlyExportedPackagesUsedFromOutside("driver", exportsOf("driver")).evaluate(reaching).getFailureReport()
        .getDetails()).anyMatch(d -> d.contains("io.vtdsim.driver.flush.FlushPolicy"));
    assertThat(onlyExportedPackagesUsedFromOutside("emu", exportsOf("emu")).evaluate(reaching).getFailureReport()
        .getDetails()).anyMatch(d -> d.contains("io.vtdsim.emu.vtd.qi.InvalidationQueue"));
    JavaClasses facadeOnly = new ClassFileImporter().importClasses(UsesTheFacades.class);
    assertThat(onlyExportedPackagesUsedFromOutside("driver", exportsOf("driver")).evaluate(facadeOnly).hasViolation()).isFalse();
    assertThat(onlyExportedPackagesUsedFromOutside("emu", exportsOf("emu")).evaluate(facadeOnly).hasViolation()).isFalse();
  }

  static final class ReachesIntoTheDriver {
    String policy(io.vtdsim.driver.flush.FlushPolicy p) {
      return p.toString();
    }
  }

  static final class ReachesIntoTheQueue {
    String queue(io.vtdsim.emu.vtd.qi.InvalidationQueue q) {
      return q.toString();
    }
  }

  static final class UsesTheFacades {
    String facades(io.vtdsim.driver.IntelIommuDriver d, io.vtdsim.emu.vtd.VtdUnit u) {
      return d + " " + u;
    }
  }
}
