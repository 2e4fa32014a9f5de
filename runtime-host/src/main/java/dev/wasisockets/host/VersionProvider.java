package dev.wasisockets.host;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** Versions filtered into {@code version.properties} by the build. */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() throws IOException {
    Properties versions = new Properties();
    try (InputStream in = VersionProvider.class.getResourceAsStream("version.properties")) {
      versions.load(in);
    }
    return new String[] {
      "wasi-sockets " + versions.getProperty("version"),
      "Chicory " + versions.getProperty("chicory"),
      "JVM " + System.getProperty("java.vm.name") + " " + Runtime.version()
    };
  }
}
