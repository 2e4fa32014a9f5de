package dev.wasisockets.host;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The modules together, as the launcher puts them on one class path: no package cycle across them,
 * and each third-party library stays in the module made for it (Netty in the link's frames, the
 * client and the gateway; JUnit in the test kit), so that what an embedder adds is what it pulls
 * in. (Within the core, {@code PackageDependenciesTest} checks the layers.)
 */
class LibraryModulesTest {
  private static final JavaClasses ALL =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .withImportOption(location -> !location.contains("-tests.jar"))
          .importPackages("dev.wasisockets");

  @Test
  void noPackageCyclesAcrossTheModules() {
    slices().matching("dev.wasisockets.(**)").should().beFreeOfCycles().check(ALL);
  }

  @Test
  void theWasmnetProtocolIsPlainJava() {
    noClasses()
        .that()
        .resideInAPackage("dev.wasisockets.wasmnet.protocol..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.netty..", "dev.wasisockets.wasmnet.client..", "dev.wasisockets.gateway..")
        .check(ALL);
  }

  @Test
  void theGatewayIsNotAClient() {
    noClasses()
        .that()
        .resideInAPackage("dev.wasisockets.gateway..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.wasisockets.wasmnet.client..")
        .check(ALL);
  }

  @Test
  void eachLibraryStaysInItsModule() {
    noClasses()
        .that()
        .resideOutsideOfPackages(
            "dev.wasisockets.wasmnet.frames..",
            "dev.wasisockets.wasmnet.client..",
            "dev.wasisockets.gateway..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.netty..")
        .check(ALL);
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.wasisockets.wasmnet.protocol..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("com.fasterxml.jackson..")
        .check(ALL);
    // The launcher reads up files with tomlj too: it bundles every module anyway, so no embedder
    // gets tomlj from it that it did not ask for.
    noClasses()
        .that()
        .resideOutsideOfPackages("dev.wasisockets.policy.file..", "dev.wasisockets.host..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.tomlj..", "org.antlr..")
        .check(ALL);
    // JUnit is the test kit's alone: no library class an application runs needs it.
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.wasisockets.junit..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.junit..", "org.opentest4j..")
        .check(ALL);
  }

  @Test
  void theTestKitUsesOnlyTheCoreAndJUnit() {
    noClasses()
        .that()
        .resideInAPackage("dev.wasisockets.junit..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.wasisockets.wasmnet..",
            "dev.wasisockets.gateway..",
            "dev.wasisockets.policy.file..")
        .check(ALL);
  }

  @Test
  void theLibraryDoesNotUseTheLauncher() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.wasisockets.host..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.wasisockets.host..", "picocli..")
        .check(ALL);
  }
}
