package dev.wasisockets.abi;

import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** How messages spell a Wasm function type: {@code (i32, i32) -> i32}. */
public final class ImportDescriptions {
  private ImportDescriptions() {}

  public static String describe(FunctionType type) {
    return "(" + join(type.params()) + ") -> " + resultText(type.returns());
  }

  private static String resultText(List<ValType> results) {
    return switch (results.size()) {
      case 0 -> "()";
      case 1 -> join(results);
      default -> "(" + join(results) + ")";
    };
  }

  private static String join(List<ValType> types) {
    return types.stream()
        .map(t -> t.toString().toLowerCase(Locale.ROOT))
        .collect(Collectors.joining(", "));
  }
}
