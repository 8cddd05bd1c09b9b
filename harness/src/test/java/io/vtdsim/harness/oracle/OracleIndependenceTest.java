package io.vtdsim.harness.oracle;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * ARCHITECTURE principle 5: the oracle never asks the emulator what the answer should be. It reads
 * guest memory with the pure spec codecs, and from the unit only TE and the latched root pointer.
 */
class OracleIndependenceTest {
  @Test
  void theOracleUsesNeitherTheTranslatorNorTheContextLookupNorTheShadowNorTheDriver() {
    JavaClasses classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.vtdsim.harness.oracle");
    noClasses().that().resideInAPackage("io.vtdsim.harness.oracle..")
        .should().dependOnClassesThat().haveFullyQualifiedName("io.vtdsim.emu.vtd.Translator")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("io.vtdsim.emu.vtd.ContextLookup")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("io.vtdsim.emu.vtd.TranslationResult")
        .orShould().dependOnClassesThat().resideInAnyPackage("io.vtdsim.emu.shadow..", "io.vtdsim.emu.device..",
            "io.vtdsim.driver..", "io.vtdsim.emu.vtd.qi..")
        .check(classes);
  }
}
