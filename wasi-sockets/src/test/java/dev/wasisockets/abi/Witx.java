package dev.wasisockets.abi;

import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the witx contract in {@code wit/} and lowers each function to its core Wasm type, by the
 * preview 1 ABI: lists and strings are (pointer, length); 64-bit integers and flags are i64;
 * everything else is i32; each value of an {@code expected} result is an out-pointer parameter and
 * the errno is the one i32 result.
 */
final class Witx {
  private final Map<String, Object> typenames = new HashMap<>();
  private final Map<String, FunctionType> functions = new LinkedHashMap<>();

  /** The functions declared by {@code file} (and the typenames it uses), by export name. */
  static Map<String, FunctionType> functions(Path file) throws IOException {
    Witx witx = new Witx();
    witx.load(file);
    return witx.functions;
  }

  private void load(Path file) throws IOException {
    for (Object form : read(Files.readString(file))) {
      List<?> list = (List<?>) form;
      switch ((String) list.get(0)) {
        case "use" -> load(file.resolveSibling(unquote((String) list.get(1))));
        case "typename" -> typenames.put((String) list.get(1), list.get(2));
        case "module" -> list.stream().skip(2).forEach(this::declare);
        default -> throw new IllegalArgumentException("unexpected form " + list.get(0));
      }
    }
  }

  private void declare(Object form) {
    List<?> list = (List<?>) form;
    if (!list.get(0).equals("@interface")) {
      return; // (import "memory" (memory))
    }
    List<?> func = list.subList(1, list.size());
    String name = unquote((String) ((List<?>) func.get(1)).get(1));
    List<ValType> params = new ArrayList<>();
    List<ValType> results = new ArrayList<>();
    for (Object part : func.subList(2, func.size())) {
      List<?> clause = (List<?>) part;
      if (clause.get(0).equals("param")) {
        params.addAll(lower(clause.get(2)));
      } else if (clause.get(0).equals("result")) {
        List<?> expected = (List<?>) clause.get(2);
        Object ok = expected.get(1);
        if (!(ok instanceof List<?> okList && okList.get(0).equals("error"))) {
          int outPointers =
              ok instanceof List<?> tuple && tuple.get(0).equals("tuple") ? tuple.size() - 1 : 1;
          for (int i = 0; i < outPointers; i++) {
            params.add(ValType.I32);
          }
        }
        results.add(ValType.I32);
      }
    }
    functions.put(name, FunctionType.of(params, results));
  }

  private List<ValType> lower(Object type) {
    if (type instanceof String atom) {
      if (atom.startsWith("$")) {
        return lower(typenames.get(atom));
      }
      return switch (atom) {
        case "u64", "s64" -> List.of(ValType.I64);
        case "string" -> List.of(ValType.I32, ValType.I32);
        default -> List.of(ValType.I32);
      };
    }
    List<?> list = (List<?>) type;
    return switch ((String) list.get(0)) {
      case "list" -> List.of(ValType.I32, ValType.I32);
      case "flags", "enum" -> {
        List<?> repr = (List<?>) list.get(1);
        yield lower(repr.get(2));
      }
      default -> List.of(ValType.I32); // handle, pointers, records passed by pointer
    };
  }

  /** S-expressions: lists of atoms and lists; {@code ;;} comments run to the end of a line. */
  private static List<Object> read(String text) {
    List<List<Object>> stack = new ArrayList<>();
    stack.add(new ArrayList<>());
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == ';' && text.startsWith(";;", i)) {
        i = text.indexOf('\n', i) < 0 ? text.length() : text.indexOf('\n', i);
      } else if (c == '(') {
        stack.add(new ArrayList<>());
        i++;
      } else if (c == ')') {
        List<Object> done = stack.remove(stack.size() - 1);
        stack.get(stack.size() - 1).add(done);
        i++;
      } else if (Character.isWhitespace(c)) {
        i++;
      } else {
        int end = i;
        if (c == '"') {
          end = text.indexOf('"', i + 1) + 1;
        } else {
          while (end < text.length() && "() \t\r\n".indexOf(text.charAt(end)) < 0) {
            end++;
          }
        }
        stack.get(stack.size() - 1).add(text.substring(i, end));
        i = end;
      }
    }
    return stack.get(0);
  }

  private static String unquote(String text) {
    return text.substring(1, text.length() - 1);
  }
}
