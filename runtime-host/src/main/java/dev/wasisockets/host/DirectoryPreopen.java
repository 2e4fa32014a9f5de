package dev.wasisockets.host;

import java.nio.file.Path;

/**
 * A directory preopened for a guest, written {@code HOST_DIR[::GUEST_DIR]} as {@code run --dir} and
 * an {@code up} file's {@code dir} take it: the guest sees {@code hostDir} as {@code guestDir}.
 */
record DirectoryPreopen(Path hostDir, String guestDir) {
  /** Reads {@code HOST_DIR[::GUEST_DIR]}; without {@code ::GUEST_DIR} the guest sees HOST_DIR. */
  static DirectoryPreopen parse(String text) {
    int separator = text.indexOf("::");
    String host = separator < 0 ? text : text.substring(0, separator);
    String guest = separator < 0 ? text : text.substring(separator + 2);
    return new DirectoryPreopen(Path.of(host), guest);
  }
}
