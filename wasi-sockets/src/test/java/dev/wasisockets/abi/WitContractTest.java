package dev.wasisockets.abi;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.types.FunctionType;
import dev.wasisockets.core.DescriptorTable;
import dev.wasisockets.core.SocketContext;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.transport.direct.DirectTransport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The contract in {@code wit/} and the host functions this library implements say the same thing:
 * every function declared there is registered with exactly the declared type, and every function
 * implemented here is declared there.
 */
class WitContractTest {
  private static final Path WIT = Path.of(System.getProperty("wit.dir", "../wit"));

  @Test
  void theContractAndTheImplementedFunctionsMatchExactly() throws IOException {
    Map<String, String> declared = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(WIT)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".witx")).sorted().toList()) {
        Witx.functions(file).forEach((name, type) -> declared.put(name, describe(type)));
      }
    }

    Map<String, String> implemented;
    try (WasiPreview1 wasi = WasiPreview1.builder().build();
        SocketContext context =
            new SocketContext(
                new DescriptorTable(3), new DirectTransport(), NetworkPolicy.denyAll())) {
      implemented =
          new Preview1Imports(wasi, context, Clock.systemUTC())
              .implementedHere().stream()
                  .collect(
                      Collectors.toMap(
                          HostFunction::name,
                          f -> describe(f.functionType()),
                          (a, b) -> a + " | " + b));
    }

    assertThat(declared).isNotEmpty().containsExactlyInAnyOrderEntriesOf(implemented);
  }

  private static String describe(FunctionType type) {
    return ImportDescriptions.describe(type);
  }
}
