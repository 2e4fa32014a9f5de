package dev.wasisockets.policy;

import java.util.Locale;

/**
 * Text a guest or a client chose (a host name, an Origin, a close reason), made safe for a log
 * line: left as it is when it is plain (printable ASCII, no space, quote, backslash or {@code =},
 * at most {@link #MAX_CHARS} long), else quoted, with quotes, backslashes, line ends, tabs, every
 * other control character and everything beyond ASCII escaped ({@code \n}, {@code \u202e}: a bidi
 * override would reorder what a terminal shows), and cut at {@link #MAX_CHARS} with {@code ...}. So
 * such text can neither start a forged line nor make one longer than the log budget assumes.
 */
public final class LogText {
  /** The longest text shown, in UTF-16 characters. */
  public static final int MAX_CHARS = 256;

  private LogText() {}

  /** {@code text} as a log line shows it (see the class). */
  public static String of(String text) {
    return isPlain(text) ? text : quoted(text);
  }

  /**
   * Bytes (a guest's data) quoted as C writes them: printable ASCII as it is, quotes, backslashes,
   * line ends and tabs escaped, every other byte {@code \xNN}. Not cut: the caller shows as many
   * bytes as it means to.
   */
  public static String quoted(byte[] bytes) {
    StringBuilder text = new StringBuilder(bytes.length + 8).append('"');
    for (byte value : bytes) {
      int b = value & 0xFF;
      switch (b) {
        case '\n' -> text.append("\\n");
        case '\r' -> text.append("\\r");
        case '\t' -> text.append("\\t");
        case '"' -> text.append("\\\"");
        case '\\' -> text.append("\\\\");
        default -> {
          if (b >= 0x20 && b < 0x7F) {
            text.append((char) b);
          } else {
            text.append(String.format(Locale.ROOT, "\\x%02x", b));
          }
        }
      }
    }
    return text.append('"').toString();
  }

  /** Plain: not empty, not "-" (an absent value in key=value lines), nothing to quote. */
  private static boolean isPlain(String text) {
    if (text.isEmpty() || text.equals("-") || text.length() > MAX_CHARS) {
      return false;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == '=') {
        return false;
      }
    }
    return true;
  }

  private static String quoted(String text) {
    boolean cut = text.length() > MAX_CHARS;
    int end = cut ? MAX_CHARS : text.length();
    StringBuilder quoted = new StringBuilder(end + 8).append('"');
    for (int i = 0; i < end; i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> quoted.append("\\\"");
        case '\\' -> quoted.append("\\\\");
        case '\n' -> quoted.append("\\n");
        case '\r' -> quoted.append("\\r");
        case '\t' -> quoted.append("\\t");
        default -> {
          if (c < ' ' || c >= 0x7f) {
            quoted.append(String.format("\\u%04x", (int) c)); // each half of a surrogate alone
          } else {
            quoted.append(c);
          }
        }
      }
    }
    return quoted.append(cut ? "..." : "").append('"').toString();
  }
}
