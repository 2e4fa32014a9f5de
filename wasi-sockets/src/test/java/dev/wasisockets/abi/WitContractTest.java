package dev.wasisockets.abi;

import static org.assertj.core.api.Assertions.assertThat;

import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.types.FunctionType;
import dev.wasisockets.core.DescriptorTable;
import dev.wasisockets.core.SocketContext;
import dev.wasisockets.policy.NetworkPolicy;
import dev.wasisockets.transport.direct.DirectTransport;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
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
    List<String> declared = new ArrayList<>();
    try (Stream<Path> files = Files.list(WIT)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".witx")).sorted().toList()) {
        Witx.functions(file).forEach((name, type) -> declared.add(name + " " + describe(type)));
      }
    }

    List<String> implemented;
    try (WasiPreview1 wasi = WasiPreview1.builder().build();
        SocketContext context =
            new SocketContext(
                new DescriptorTable(3), new DirectTransport(), NetworkPolicy.denyAll())) {
      implemented =
          new Preview1Imports(wasi, context, Clock.systemUTC(), InputStream.nullInputStream(), null)
              .implementedHere().stream()
                  .map(f -> f.name() + " " + describe(f.functionType()))
                  .toList();
    }

    assertThat(declared).isNotEmpty().containsExactlyInAnyOrderElementsOf(implemented);
  }

  private static String describe(FunctionType type) {
    return ImportDescriptions.describe(type);
  }
}
