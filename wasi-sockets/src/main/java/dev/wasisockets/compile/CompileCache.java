package dev.wasisockets.compile;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Compiled guests on disk, so that a module is compiled once per machine, not once per run: the
 * classes Chicory's compiler made of it, keyed by the SHA-256 of the module's bytes together with
 * Chicory's and our version (an upgrade of either compiles anew).
 *
 * <p>Safe to share between processes: an entry is written to a temporary file and then renamed into
 * place, so a reader sees a whole entry or none, and two writers of one key both write the same
 * thing. An entry that does not decode (torn, truncated, corrupt) is removed with one warning and
 * compiled again. A directory that cannot be created, read or written costs a warning, once, and
 * the guest is compiled in memory as if there were no cache. The cache is bounded: after each
 * write, the least recently used entries go until it holds at most {@link #maxBytes()}.
 *
 * <p>Entries are trusted as much as the directory is: whoever can write it can replace compiled
 * code, as with wasmtime's and wazero's caches, so it is created readable by its owner only.
 */
public final class CompileCache {
  /** The default bound on the cache's size: 1 GiB. */
  public static final long DEFAULT_MAX_BYTES = 1L << 30;

  private static final Logger LOG = System.getLogger(CompileCache.class.getName());
  private static final String ENTRY_SUFFIX = ".entry";
  private static final String TEMP_DIRECTORY = ".tmp";
  // A temporary file this old was left by a process that died while writing it.
  private static final Duration STALE_TEMP = Duration.ofHours(1);

  private final Path directory;
  private final long maxBytes;
  private final String version;
  private volatile boolean unusable;

  private CompileCache(Path directory, long maxBytes, String version) {
    this.directory = directory;
    this.maxBytes = maxBytes;
    this.version = version;
  }

  /** A cache in {@code directory} (created on first write, readable by its owner only). */
  public static CompileCache in(Path directory) {
    return new CompileCache(
        Objects.requireNonNull(directory, "directory"),
        DEFAULT_MAX_BYTES,
        CompilerVersion.current());
  }

  /**
   * The per-user cache: {@code $XDG_CACHE_HOME/wasi-sockets}, else {@code ~/.cache/wasi-sockets},
   * as the XDG base directory specification says.
   */
  public static CompileCache inUserCacheDirectory() {
    return in(userCacheDirectory(System.getenv(), System.getProperty("user.home")));
  }

  static Path userCacheDirectory(Map<String, String> environment, String userHome) {
    String xdg = environment.get("XDG_CACHE_HOME");
    // The specification ignores a relative value.
    if (xdg != null && !xdg.isEmpty() && Path.of(xdg).isAbsolute()) {
      return Path.of(xdg, "wasi-sockets");
    }
    return Path.of(userHome, ".cache", "wasi-sockets");
  }

  /** This cache, bounded to {@code maxBytes} of entries instead of {@link #DEFAULT_MAX_BYTES}. */
  public CompileCache withMaxBytes(long maxBytes) {
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("a cache's size must be positive, got " + maxBytes);
    }
    return new CompileCache(directory, maxBytes, version);
  }

  CompileCache withVersion(String version) {
    return new CompileCache(directory, maxBytes, version);
  }

  public Path directory() {
    return directory;
  }

  public long maxBytes() {
    return maxBytes;
  }

  /** The compile of the module Chicory digested as {@code moduleDigest}, if stored intact. */
  Optional<CacheEntry> get(String moduleDigest) {
    if (unusable) {
      return Optional.empty();
    }
    Path file = entryFile(moduleDigest);
    byte[] stored;
    try {
      stored = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | SecurityException e) {
      giveUp("cannot read " + file + ": " + e);
      return Optional.empty();
    }
    Optional<CacheEntry> entry = CacheEntry.decode(stored);
    if (entry.isEmpty()) {
      LOG.log(Level.WARNING, "compile cache: " + file + " is damaged; compiling the guest anew");
      deleteQuietly(file);
    } else {
      touch(file);
    }
    return entry;
  }

  /** Stores {@code entry} for {@code moduleDigest}; a failure to write only costs the next run. */
  void put(String moduleDigest, CacheEntry entry) {
    if (unusable) {
      return;
    }
    Path file = entryFile(moduleDigest);
    Path temp = null;
    try {
      createPrivateDirectory(directory);
      Files.createDirectories(file.getParent());
      Path temps = Files.createDirectories(directory.resolve(TEMP_DIRECTORY));
      temp = Files.createTempFile(temps, file.getFileName().toString(), ".part");
      Files.write(temp, entry.encode());
      moveIntoPlace(temp, file);
      temp = null;
      evictBeyondBound();
    } catch (IOException | SecurityException e) {
      giveUp("cannot write " + file + ": " + e);
    } finally {
      if (temp != null) {
        deleteQuietly(temp);
      }
    }
  }

  /** Where the entry for {@code moduleDigest} lives: two levels, so no directory grows huge. */
  Path entryFile(String moduleDigest) {
    String key = Sha256.hex(version + "\n" + moduleDigest);
    return directory.resolve(key.substring(0, 2)).resolve(key.substring(2) + ENTRY_SUFFIX);
  }

  private static void moveIntoPlace(Path temp, Path file) throws IOException {
    try {
      // A rename: readers see the old file or the new one, never a part of one.
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the file system cannot rename atomically", e);
    }
  }

  private static void createPrivateDirectory(Path directory) throws IOException {
    if (Files.isDirectory(directory)) {
      return;
    }
    Path parent = directory.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try {
      if (directory.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        Files.createDirectory(
            directory,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectory(directory);
      }
    } catch (FileAlreadyExistsException e) {
      // Another process made it first.
    }
  }

  /** Removes least recently used entries (by modification time, which a hit renews). */
  private void evictBeyondBound() throws IOException {
    List<Stored> entries = new ArrayList<>();
    long total = 0;
    try (DirectoryStream<Path> shards = Files.newDirectoryStream(directory)) {
      for (Path shard : shards) {
        if (shard.getFileName().toString().equals(TEMP_DIRECTORY)) {
          removeStaleTemps(shard);
        } else if (Files.isDirectory(shard)) {
          total += collect(shard, entries);
        }
      }
    }
    if (total <= maxBytes) {
      return;
    }
    entries.sort(Comparator.comparing(Stored::lastUsed));
    for (Stored entry : entries) {
      if (total <= maxBytes) {
        break;
      }
      if (deleteQuietly(entry.file())) {
        total -= entry.size();
      }
    }
  }

  private static long collect(Path shard, List<Stored> entries) throws IOException {
    long total = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(shard, "*" + ENTRY_SUFFIX)) {
      for (Path file : files) {
        try {
          long size = Files.size(file);
          entries.add(new Stored(file, size, Files.getLastModifiedTime(file)));
          total += size;
        } catch (NoSuchFileException e) {
          // Evicted by another process meanwhile.
        }
      }
    }
    return total;
  }

  private static void removeStaleTemps(Path temps) throws IOException {
    Instant staleBefore = Instant.now().minus(STALE_TEMP);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(temps)) {
      for (Path file : files) {
        try {
          if (Files.getLastModifiedTime(file).toInstant().isBefore(staleBefore)) {
            deleteQuietly(file);
          }
        } catch (NoSuchFileException e) {
          // Renamed into place meanwhile.
        }
      }
    }
  }

  private static void touch(Path file) {
    try {
      Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
    } catch (IOException | SecurityException e) {
      // Only the eviction order suffers.
    }
  }

  private static boolean deleteQuietly(Path file) {
    try {
      return Files.deleteIfExists(file);
    } catch (IOException | SecurityException e) {
      return false;
    }
  }

  /** The first failure is reported; from then on this cache is left alone, for this process. */
  private void giveUp(String why) {
    if (!unusable) {
      unusable = true;
      LOG.log(
          Level.WARNING,
          "compile cache: " + why + "; guests are compiled in memory, without the cache");
    }
  }

  private record Stored(Path file, long size, FileTime lastUsed) {}

  @Override
  public String toString() {
    return "CompileCache[" + directory + "]";
  }
}
