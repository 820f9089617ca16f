package io.streamalign.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Set;
import java.util.TreeSet;

/**
 * The module rules of README's "Module layout", checked on every production class of every module
 * (app's test class path holds them all): the learner knows nothing of Kafka or Avro, training and
 * serving never import each other, ingestion imports neither, the product carries no test
 * framework, and neither modules nor packages form cycles.
 */
@AnalyzeClasses(packages = "io.streamalign", importOptions = ImportOption.DoNotIncludeTests.class)
class ModuleRulesTest {

  /**
   * The rules below would pass vacuously on an empty import: every module's classes must be there.
   */
  @ArchTest
  static void everyModuleIsImported(JavaClasses classes) {
    Set<String> modules = new TreeSet<>();
    for (JavaClass c : classes) {
      String rest = c.getPackageName().substring("io.streamalign.".length() - 1);
      modules.add(rest.isEmpty() ? "" : rest.substring(1).split("\\.")[0]);
    }
    for (String m :
        Set.of(
            "schemas",
            "features",
            "model",
            "embedded",
            "ingest",
            "trainer",
            "serving",
            "eval",
            "bench",
            "app")) {
      assertTrue(modules.contains(m), "classes of module " + m + " imported: " + modules);
    }
  }

  @ArchTest
  static final ArchRule modelKnowsNoKafkaOrAvro =
      noClasses()
          .that()
          .resideInAPackage("io.streamalign.model..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("org.apache.kafka..", "org.apache.avro..", "io.streamalign.schemas..")
          .because(
              "the learner is a library of tensors and samples; records are converted at the module boundary");

  @ArchTest
  static final ArchRule servingDoesNotDependOnTheTrainer =
      noClasses()
          .that()
          .resideInAPackage("io.streamalign.serving..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("io.streamalign.trainer..")
          .because("serving reads published snapshots, never training code");

  @ArchTest
  static final ArchRule trainerDoesNotDependOnServing =
      noClasses()
          .that()
          .resideInAPackage("io.streamalign.trainer..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("io.streamalign.serving..");

  @ArchTest
  static final ArchRule ingestDependsOnNeitherTrainerNorServing =
      noClasses()
          .that()
          .resideInAPackage("io.streamalign.ingest..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("io.streamalign.trainer..", "io.streamalign.serving..");

  @ArchTest
  static final ArchRule productCarriesNoTestFramework =
      noClasses()
          .that()
          .resideOutsideOfPackage("io.streamalign.testkit..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("org.junit..", "org.openjdk.jmh..", "org.apache.kafka.common.test..")
          .because(
              "JUnit, JMH and Kafka's test kit are test or bench scope only (see RunnableJarIT)");

  @ArchTest
  static final ArchRule noCyclesBetweenModules =
      slices().matching("io.streamalign.(*)..").should().beFreeOfCycles();

  /**
   * No package cycles anywhere: a service's root package wires its parts (trainer.loop,
   * trainer.snapshot, ...), which never reach back into it (the loop takes its settings as a {@code
   * LoopSettings}, not the trainer's {@code TrainerConfig}).
   */
  @ArchTest
  static final ArchRule noCyclesBetweenPackages =
      slices().matching("io.streamalign.(**)").should().beFreeOfCycles();
}
