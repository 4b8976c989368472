package dev.cohort.model;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The model is math: it knows tensors, not actors, sockets or clusters. */
class ArchitectureTest {
  private static final JavaClasses MODEL = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.cohort.model");

  @Test
  void theModelDependsOnNoPekkoClass() {
    noClasses().should().dependOnClassesThat().resideInAPackage("org.apache.pekko..").check(MODEL);
  }
}
