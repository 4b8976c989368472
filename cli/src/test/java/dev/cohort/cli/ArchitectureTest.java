package dev.cohort.cli;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Every module's main code, as the launcher assembles it: packages depend on each other in one direction only. */
class ArchitectureTest {
  private static final JavaClasses MAIN = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.cohort");

  @Test
  void noPackageCyclesInMainCode() {
    slices().matching("dev.cohort.(**)").should().beFreeOfCycles().check(MAIN);
  }
}
