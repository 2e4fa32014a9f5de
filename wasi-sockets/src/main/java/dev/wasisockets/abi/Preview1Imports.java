package dev.wasisockets.abi;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.WasmException;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import dev.wasisockets.core.Errno;
import dev.wasisockets.core.ErrnoException;
import dev.wasisockets.core.SocketContext;
import dev.wasisockets.core.StdinReadiness;
import dev.wasisockets.policy.RateLimitedLog;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every function a guest can import from {@code wasi_snapshot_preview1} on this host, grouped by
 * {@link Dialect}: preview 1 (our socket-aware functions first, then the rest of Chicory's WASI
 * with each descriptor argument translated from the guest's number to Chicory's), and what the
 * WasmEdge and 2020 dialects add to it.
 *
 * <p>This is also the one place where a failed call becomes an errno: every function is wrapped so
 * that an {@link ErrnoException} thrown anywhere below returns its errno to the guest, and any
 * other unchecked exception (a bug of ours: nothing below throws one on purpose) returns EIO and is
 * logged once, with its stack, at ERROR. Chicory's own exceptions pass untouched ({@link
 * ChicoryException}: {@code WasiExitException} is {@code proc_exit}, {@code
 * ChicoryInterruptedException} stops a guest whose thread was interrupted, a {@code TrapException}
 * or {@code WasmRuntimeException} is a trap, e.g. an out-of-bounds access in one of Chicory's WASI
 * functions, which Chicory's WASI has always given), and so does a {@link WasmException} (a Wasm
 * exception on its way to a handler) and every {@link Error} (the JVM itself is in trouble: no
 * errno would be true).
 */
public final class Preview1Imports {
  public static final String MODULE = "wasi_snapshot_preview1";

  private static final Logger LOG = System.getLogger(Preview1Imports.class.getName());

  /** Imports only the WasmEdge extension has: one of them makes a module a WasmEdge guest. */
  private static final Set<String> WASMEDGE_ONLY =
      Set.of(
          "sock_open",
          "sock_bind",
          "sock_listen",
          "sock_getaddrinfo",
          "sock_getlocaladdr",
          "sock_getpeeraddr",
          "sock_recv_from",
          "sock_send_to",
          "sock_getsockopt",
          "sock_setsockopt",
          "epoll_oneoff");

  private final Map<Dialect, List<HostFunction>> byDialect = new EnumMap<>(Dialect.class);
  // A guest that can trigger a bug can trigger it a million times: its stacks are rate-limited.
  private final RateLimitedLog bugs = new RateLimitedLog(LOG, "host bugs");
  private final List<HostFunction> implementedHere = new ArrayList<>();
  private final CallTracer tracer;

  /**
   * @param stdin the stream Chicory's {@code wasi} reads as standard input (its {@code
   *     WasiOptions.stdin()}), which {@code poll_oneoff} asks whether it is readable
   * @param trace the socket calls to trace, or null for none (then no function is wrapped for it)
   */
  public Preview1Imports(
      WasiPreview1 wasi,
      SocketContext context,
      Clock realtime,
      InputStream stdin,
      CallTrace trace) {
    this.tracer = trace == null ? null : new CallTracer(trace, context.descriptors());
    SocketStreamIo io = new SocketStreamIo();
    StdinReadiness stdinReadiness = new StdinReadiness(stdin);
    WasiDescriptorFunctions descriptors =
        new WasiDescriptorFunctions(wasi, context, io, stdinReadiness);
    List<HostFunction> preview1 = new ArrayList<>();
    preview1.addAll(List.of(WasiDescriptorFunctions_ModuleFactory.toHostFunctions(descriptors)));
    preview1.addAll(
        List.of(Preview1Sockets_ModuleFactory.toHostFunctions(new Preview1Sockets(context, io))));
    preview1.addAll(
        List.of(
            Preview1Poll_ModuleFactory.toHostFunctions(
                new Preview1Poll(context, realtime, stdinReadiness))));

    List<HostFunction> wasmEdge = new ArrayList<>();
    wasmEdge.addAll(
        List.of(WasmEdgeSockets_ModuleFactory.toHostFunctions(new WasmEdgeSockets(context))));
    wasmEdge.addAll(
        List.of(
            WasmEdgeDatagrams_ModuleFactory.toHostFunctions(new WasmEdgeDatagrams(context, io))));
    wasmEdge.addAll(
        List.of(
            WasmEdgeSocketOptions_ModuleFactory.toHostFunctions(
                new WasmEdgeSocketOptions(context))));
    wasmEdge.addAll(
        List.of(WasmEdgeNameLookup_ModuleFactory.toHostFunctions(new WasmEdgeNameLookup(context))));
    wasmEdge.addAll(
        List.of(
            WasmEdgeEpoll_ModuleFactory.toHostFunctions(
                new WasmEdgeEpoll(context, realtime, stdinReadiness))));

    List<HostFunction> legacy2020 =
        List.of(Legacy2020Sockets_ModuleFactory.toHostFunctions(new Legacy2020Sockets(context)));

    Set<String> replaced = new HashSet<>();
    for (List<HostFunction> group : List.of(preview1, wasmEdge, legacy2020)) {
      implementedHere.addAll(group);
      group.forEach(f -> replaced.add(f.name()));
    }
    for (HostFunction function : wasi.toHostFunctions()) {
      if (!replaced.contains(function.name())) {
        preview1.add(translatingDescriptors(function, descriptors));
      }
    }
    byDialect.put(Dialect.PREVIEW1, guarded(preview1, Dialect.PREVIEW1));
    byDialect.put(Dialect.WASMEDGE, guarded(wasmEdge, Dialect.WASMEDGE));
    byDialect.put(Dialect.LEGACY_2020, guarded(legacy2020, Dialect.LEGACY_2020));
  }

  /** The dialect {@link Dialect#AUTO} picks for {@code module} (see there for the rule). */
  public static Dialect detect(WasmModule module) {
    boolean connect = false;
    var imports = module.importSection();
    for (int i = 0; i < imports.importCount(); i++) {
      Import wanted = imports.getImport(i);
      if (!wanted.module().equals(MODULE) || wanted.importType() != ExternalType.FUNCTION) {
        continue;
      }
      if (WASMEDGE_ONLY.contains(wanted.name())
          || (wanted.name().equals("sock_accept") && type(module, wanted).params().size() == 2)) {
        return Dialect.WASMEDGE;
      }
      connect |= wanted.name().equals("sock_connect");
    }
    return connect ? Dialect.LEGACY_2020 : Dialect.PREVIEW1;
  }

  /**
   * The host function for each of {@code module}'s imports from {@code wasi_snapshot_preview1},
   * chosen by name and exact Wasm type among the functions of {@code dialect} ({@link
   * Dialect#AUTO}: {@link #detect}).
   *
   * @throws UnsupportedImportException naming every such import this host lacks
   */
  public List<HostFunction> resolve(WasmModule module, Dialect dialect) {
    Dialect chosen = dialect == Dialect.AUTO ? detect(module) : dialect;
    Map<String, List<HostFunction>> byName = new LinkedHashMap<>();
    for (Dialect group : List.of(chosen, Dialect.PREVIEW1)) {
      for (HostFunction function : byDialect.get(group)) {
        byName.computeIfAbsent(function.name(), n -> new ArrayList<>()).add(function);
      }
    }
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
      FunctionType type = type(module, wanted);
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
                + ", which this host does not provide"
                + (chosen == Dialect.PREVIEW1 ? "" : " in the " + chosen.flagName() + " dialect"));
      } else {
        problems.add(
            "guest imports "
                + name
                + " as "
                + ImportDescriptions.describe(type)
                + ", but this host provides "
                + candidates.stream()
                    .map(f -> ImportDescriptions.describe(f.functionType()))
                    .collect(Collectors.joining(" or "))
                + (chosen == Dialect.PREVIEW1 ? "" : " in the " + chosen.flagName() + " dialect"));
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

  private static FunctionType type(WasmModule module, Import wanted) {
    return module.typeSection().getType(((FunctionImport) wanted).typeIndex());
  }

  static String kind(Import wanted) {
    return wanted.importType().name().toLowerCase(java.util.Locale.ROOT);
  }

  private List<HostFunction> guarded(List<HostFunction> functions, Dialect dialect) {
    return functions.stream()
        .map(f -> tracer == null ? f : tracer.wrap(f, dialect))
        .map(this::returningErrno)
        .toList();
  }

  private HostFunction returningErrno(HostFunction function) {
    WasmFunctionHandle handle = function.handle();
    String name = function.name();
    boolean returnsErrno = function.functionType().returns().size() == 1;
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
          } catch (ChicoryException | WasmException e) {
            throw e;
          } catch (RuntimeException e) {
            if (!returnsErrno) {
              throw e; // proc_exit: no result to put an errno in
            }
            bugs.log(Level.ERROR, name + ": a bug in the host, EIO for the guest: " + e, e);
            return new long[] {Errno.EIO.code()};
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
