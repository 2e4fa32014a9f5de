package dev.wasisockets.compile;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * What a compiled guest depends on besides the module's bytes: Chicory's compiler and runtime (the
 * generated classes call into its runtime) and this library, each by its version. A change of any
 * one compiles every guest anew.
 */
final class CompilerVersion {
  private CompilerVersion() {}

  static String current() {
    return "chicory-compiler "
        + mavenVersion(MachineFactoryCompiler.class, "com.dylibso.chicory", "compiler")
        + ", chicory "
        + com.dylibso.chicory.wasm.Version.version()
        + ", wasi-sockets "
        + ownVersion();
  }

  private static String ownVersion() {
    return property(CompilerVersion.class, "version.properties", "version");
  }

  // Maven writes each artifact's version into its jar; shading keeps these files.
  private static String mavenVersion(Class<?> anchor, String group, String artifact) {
    return property(
        anchor, "/META-INF/maven/" + group + "/" + artifact + "/pom.properties", "version");
  }

  private static String property(Class<?> anchor, String resource, String key) {
    try (InputStream in = anchor.getResourceAsStream(resource)) {
      if (in == null) {
        return "unknown";
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty(key, "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
