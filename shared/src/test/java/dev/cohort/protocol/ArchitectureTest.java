package dev.cohort.protocol;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.junit.jupiter.api.Test;

/** Messages are values: the protocol holds records and the sealed families they belong to, nothing with behaviour. */
class ArchitectureTest {
  private static final JavaClasses PROTOCOL = new ClassFileImporter()
      .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.cohort.protocol");

  @Test
  void theProtocolHoldsOnlyRecordsAndSealedInterfaces() {
    classes().should(beAMessageShape()).check(PROTOCOL);
  }

  /**
   * A record, a sealed interface, an actor's Internal extension point (non-sealed because the actor's module adds
   * its own self-messages, as the coordinator's Signal), or the final holder class that groups one actor's protocol.
   */
  private static ArchCondition<JavaClass> beAMessageShape() {
    return new ArchCondition<>("be a record, a sealed interface or a protocol holder") {
      @Override
      public void check(JavaClass type, ConditionEvents events) {
        Class<?> c = type.reflect();
        boolean extensionPoint = c.isInterface() && c.getSimpleName().equals("Internal");
        boolean holder = !c.isInterface() && type.getModifiers().contains(JavaModifier.FINAL)
            && type.getFields().stream().allMatch(f -> f.getModifiers().contains(JavaModifier.STATIC))
            && type.getConstructors().stream().allMatch(k -> k.getModifiers().contains(JavaModifier.PRIVATE));
        boolean ok = c.isRecord() || (c.isInterface() && c.isSealed()) || extensionPoint || holder;
        events.add(new SimpleConditionEvent(type, ok, type.getName() + (ok ? " is" : " is not")
            + " a record, a sealed interface or a protocol holder"));
      }
    };
  }
}
