package dev.wasisockets.abi;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import dev.wasisockets.UnsupportedImportException;
import dev.wasisockets.core.ErrnoException;
import dev.wasisockets.core.SocketContext;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every function a guest can import from {@code wasi_snapshot_preview1} on this host: our socket
 * dialects and socket-aware {@code fd_*} functions first, then the rest of Chicory's WASI with each
 * descriptor argument translated from the guest's number to Chicory's.
 *
 * <p>This is also the one place where a failed call becomes an errno: every function is wrapped so
 * that an {@link ErrnoException} thrown anywhere below returns its errno to the guest.
 */
public final class Preview1Imports {
  public static final String MODULE = "wasi_snapshot_preview1";

  private static final Logger LOG = System.getLogger(Preview1Imports.class.getName());

  private final Map<String, List<HostFunction>> byName = new LinkedHashMap<>();
  private final List<HostFunction> implementedHere = new ArrayList<>();

  public Preview1Imports(WasiPreview1 wasi, SocketContext context, Clock realtime) {
    SocketStreamIo io = new SocketStreamIo();
    WasiDescriptorFunctions descriptors = new WasiDescriptorFunctions(wasi, context, io);
    List<HostFunction> ours = new ArrayList<>();
    ours.addAll(List.of(WasiDescriptorFunctions_ModuleFactory.toHostFunctions(descriptors)));
    ours.addAll(
        List.of(Preview1Sockets_ModuleFactory.toHostFunctions(new Preview1Sockets(context, io))));
    ours.addAll(
        List.of(WasmEdgeSockets_ModuleFactory.toHostFunctions(new WasmEdgeSockets(context))));
    ours.addAll(
        List.of(Preview1Poll_ModuleFactory.toHostFunctions(new Preview1Poll(context, realtime))));
    ours.addAll(
        List.of(
            WasmEdgeDatagrams_ModuleFactory.toHostFunctions(new WasmEdgeDatagrams(context, io))));
    ours.addAll(
        List.of(
            WasmEdgeSocketOptions_ModuleFactory.toHostFunctions(
                new WasmEdgeSocketOptions(context))));
    ours.addAll(
        List.of(WasmEdgeNameLookup_ModuleFactory.toHostFunctions(new WasmEdgeNameLookup(context))));
    Set<String> replaced = new HashSet<>();
    for (HostFunction function : ours) {
      add(function);
      replaced.add(function.name());
    }
    implementedHere.addAll(ours);
    for (HostFunction function : wasi.toHostFunctions()) {
      if (!replaced.contains(function.name())) {
        add(translatingDescriptors(function, descriptors));
      }
    }
  }

  /**
   * The host function for each of {@code module}'s imports from {@code wasi_snapshot_preview1},
   * chosen by name and exact Wasm type.
   *
   * @throws UnsupportedImportException naming every such import this host lacks
   */
  public List<HostFunction> resolve(WasmModule module) {
    List<HostFunction> resolved = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    var imports = module.importSection();
    for (int i = 0; i < imports.importCount(); i++) {
      Import wanted = imports.getImport(i);
      if (!wanted.module().equals(MODULE)) {
        continue;
      }
      String name = MODULE + "." + wanted.name();
      if (wanted.importType() != ExternalType.FUNCTION) {
        problems.add(
            "guest imports " + name + " as a " + kind(wanted) + "; this host provides functions");
        continue;
      }
      FunctionType type = module.typeSection().getType(((FunctionImport) wanted).typeIndex());
      List<HostFunction> candidates = byName.getOrDefault(wanted.name(), List.of());
      HostFunction match =
          candidates.stream().filter(f -> f.functionType().equals(type)).findFirst().orElse(null);
      if (match != null) {
        resolved.add(match);
      } else if (candidates.isEmpty()) {
        problems.add(
            "guest imports "
                + name
                + " "
                + ImportDescriptions.describe(type)
                + ", which this host does not provide");
      } else {
        problems.add(
            "guest imports "
                + name
                + " as "
                + ImportDescriptions.describe(type)
                + ", but this host provides "
                + candidates.stream()
                    .map(f -> ImportDescriptions.describe(f.functionType()))
                    .collect(Collectors.joining(" or ")));
      }
    }
    if (!problems.isEmpty()) {
      throw new UnsupportedImportException(problems);
    }
    return resolved;
  }

  /** The functions this library implements itself (not Chicory's), as declared in {@code wit/}. */
  List<HostFunction> implementedHere() {
    return List.copyOf(implementedHere);
  }

  static String kind(Import wanted) {
    return wanted.importType().name().toLowerCase(java.util.Locale.ROOT);
  }

  private void add(HostFunction function) {
    byName.computeIfAbsent(function.name(), n -> new ArrayList<>()).add(returningErrno(function));
  }

  private static HostFunction returningErrno(HostFunction function) {
    WasmFunctionHandle handle = function.handle();
    String name = function.name();
    return new HostFunction(
        function.module(),
        name,
        function.functionType(),
        (instance, args) -> {
          try {
            return handle.apply(instance, args);
          } catch (ErrnoException e) {
            if (LOG.isLoggable(Level.DEBUG)) {
              LOG.log(Level.DEBUG, "{0}: {1}", name, e.getMessage());
            }
            return new long[] {e.errno().code()};
          }
        });
  }

  /** Wraps a Chicory function so that its descriptor arguments are Chicory's numbers. */
  private static HostFunction translatingDescriptors(
      HostFunction function, WasiDescriptorFunctions descriptors) {
    int[] positions = descriptorArguments(function.name());
    if (positions.length == 0) {
      return function;
    }
    WasmFunctionHandle handle = function.handle();
    return new HostFunction(
        function.module(),
        function.name(),
        function.functionType(),
        (instance, args) -> {
          long[] translated = args.clone();
          for (int position : positions) {
            translated[position] = descriptors.wasiFd((int) args[position]);
          }
          return handle.apply(instance, translated);
        });
  }

  /** Which arguments of a preview 1 function are descriptors (typenames.witx signatures). */
  private static int[] descriptorArguments(String name) {
    return switch (name) {
      case "path_symlink" -> new int[] {2};
      case "path_link" -> new int[] {0, 4};
      case "path_rename" -> new int[] {0, 3};
      default ->
          name.startsWith("fd_") || name.startsWith("path_") || name.startsWith("adapter_")
              ? new int[] {0}
              : new int[0];
    };
  }
}
