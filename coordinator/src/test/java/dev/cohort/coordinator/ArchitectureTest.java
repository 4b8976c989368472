package dev.cohort.coordinator;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The control plane links no compute: it plans, drives and commits, and never touches a tensor. */
class ArchitectureTest {
  private static final JavaClasses COORDINATOR = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.cohort.coordinator");

  @Test
  void theCoordinatorDependsOnNoWorkerAndNoEngineClass() {
    noClasses().should().dependOnClassesThat().resideInAnyPackage("dev.cohort.worker..", "ai.djl..")
        .because("the coordinator must run on a node without DJL or PyTorch").check(COORDINATOR);
  }

  @Test
  void theCoordinatorsClasspathHasNoEngineAtAll() {
    assertThrows(ClassNotFoundException.class, () -> Class.forName("ai.djl.ndarray.NDArray"));
    assertThrows(ClassNotFoundException.class, () -> Class.forName("dev.cohort.model.Transformer"));
  }
}
