package dev.wasisockets;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The core's packages as the data flow: a guest's call comes in through {@code abi}, the socket
 * logic in {@code core} asks {@code policy} and drives a {@code transport}; {@code address} is the
 * address text everyone parses alike. Arrows point down only, and no package cycle exists.
 */
class PackageDependenciesTest {
  private static final JavaClasses CORE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.wasisockets");

  @Test
  void noPackageCycles() {
    slices().matching("dev.wasisockets.(**)").should().beFreeOfCycles().check(CORE);
  }

  @Test
  void eachLayerUsesOnlyTheLayersBelowIt() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("compile")
        .definedBy("dev.wasisockets.compile..")
        .layer("builder")
        .definedBy("dev.wasisockets")
        .layer("abi")
        .definedBy("dev.wasisockets.abi..")
        .layer("core")
        .definedBy("dev.wasisockets.core..")
        .layer("policy")
        .definedBy("dev.wasisockets.policy..")
        .layer("transport")
        .definedBy("dev.wasisockets.transport..")
        .layer("address")
        .definedBy("dev.wasisockets.address..")
        .whereLayer("compile")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("builder")
        .mayOnlyBeAccessedByLayers("compile")
        .whereLayer("abi")
        .mayOnlyBeAccessedByLayers("builder")
        .whereLayer("core")
        .mayOnlyBeAccessedByLayers("builder", "abi")
        .whereLayer("policy")
        .mayOnlyBeAccessedByLayers("builder", "abi", "core")
        .whereLayer("transport")
        .mayOnlyBeAccessedByLayers("builder", "core")
        .check(CORE);
  }
}
